package dev.kernelj.runtime.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.runtime.driver.Driver;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Device memory holding {@code count} elements of type {@code T}; a {@link Ptr} so it can be passed
 * to kernels. Typed copies check the Java array against the element type (a {@code float[]} only
 * into {@code F32}; {@code short[]} into 16-bit types, carrying the raw bits of F16/BF16; {@code
 * byte[]} and {@link ByteBuffer} into anything, as raw bytes).
 *
 * <p>Copies that take a stream are stream-ordered. From Java arrays they go through a pageable
 * staging copy, which the driver consumes before the call returns, so the array may be reused at
 * once; for copies that overlap with compute, use a {@link PinnedBuffer}.
 *
 * <p>{@link #slice} returns a view without copying; a view does not own memory and becomes invalid
 * when its owner is closed.
 */
public final class DeviceBuffer<T extends Element> implements Ptr<T>, AutoCloseable {
  private final CudaContext context;
  private final DeviceAllocator allocator;
  private final DeviceBuffer<T> owner;
  private final long address;
  private final long count;
  private final DType dtype;
  private final long allocStream;
  private boolean closed;

  private DeviceBuffer(
      CudaContext context,
      DeviceAllocator allocator,
      DeviceBuffer<T> owner,
      long address,
      long count,
      DType dtype,
      long allocStream) {
    this.context = context;
    this.allocator = allocator;
    this.owner = owner;
    this.address = address;
    this.count = count;
    this.dtype = dtype;
    this.allocStream = allocStream;
  }

  static <T extends Element> DeviceBuffer<T> allocate(
      CudaContext context, DeviceAllocator allocator, DType dtype, long count, long stream) {
    if (count <= 0) {
      throw new IllegalArgumentException(
          "a device buffer needs at least one element, got " + count);
    }
    long bytes = Math.multiplyExact(count, (long) dtype.byteSize());
    long address = allocator.allocate(bytes, stream);
    return new DeviceBuffer<>(context, allocator, null, address, count, dtype, stream);
  }

  @Override
  public long address() {
    checkOpen();
    return address;
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  /** Number of elements. */
  public long count() {
    return count;
  }

  public long byteSize() {
    return count * dtype.byteSize();
  }

  public CudaContext context() {
    return context;
  }

  /** A view of {@code length} elements starting at element {@code offset}; no copy. */
  public DeviceBuffer<T> slice(long offset, long length) {
    if (offset < 0 || length <= 0 || offset + length > count) {
      throw new IndexOutOfBoundsException(
          "slice ["
              + offset
              + ", "
              + (offset + length)
              + ") of a buffer of "
              + count
              + " elements");
    }
    DeviceBuffer<T> root = owner == null ? this : owner;
    return new DeviceBuffer<>(
        context, null, root, address() + offset * dtype.byteSize(), length, dtype, allocStream);
  }

  // ---- host -> device

  public void copyFrom(float[] src) {
    copyFrom(src, null);
  }

  public void copyFrom(float[] src, StreamRef stream) {
    requireType("float[]", DType.F32);
    upload(src.length, 4L, m -> m.write(0, src, 0, src.length), stream);
  }

  public void copyFrom(double[] src) {
    copyFrom(src, null);
  }

  public void copyFrom(double[] src, StreamRef stream) {
    requireType("double[]", DType.F64);
    upload(src.length, 8L, m -> m.write(0, src, 0, src.length), stream);
  }

  public void copyFrom(int[] src) {
    copyFrom(src, null);
  }

  public void copyFrom(int[] src, StreamRef stream) {
    requireType("int[]", DType.I32, DType.U32);
    upload(src.length, 4L, m -> m.write(0, src, 0, src.length), stream);
  }

  public void copyFrom(long[] src) {
    copyFrom(src, null);
  }

  public void copyFrom(long[] src, StreamRef stream) {
    requireType("long[]", DType.I64, DType.U64);
    upload(src.length, 8L, m -> m.write(0, src, 0, src.length), stream);
  }

  public void copyFrom(short[] src) {
    copyFrom(src, null);
  }

  public void copyFrom(short[] src, StreamRef stream) {
    requireType("short[]", DType.I16, DType.U16, DType.F16, DType.BF16);
    upload(src.length, 2L, m -> m.write(0, src, 0, src.length), stream);
  }

  /** Raw bytes into the start of the buffer, whatever the element type. */
  public void copyFrom(byte[] src) {
    copyFrom(src, null);
  }

  public void copyFrom(byte[] src, StreamRef stream) {
    uploadBytes(src.length, m -> m.write(0, src, 0, src.length), stream);
  }

  /**
   * The remaining bytes of {@code src} into the start of the buffer; a direct buffer is read in
   * place.
   */
  public void copyFrom(ByteBuffer src) {
    long bytes = src.remaining();
    checkBytes(bytes);
    if (bytes == 0) {
      return;
    }
    context.ensureCurrent();
    if (src.isDirect()) {
      Pointer p = Native.getDirectBufferPointer(src).share(src.position());
      Driver.check(Driver.api().cuMemcpyHtoD_v2(address(), p, bytes), "cuMemcpyHtoD_v2");
    } else {
      byte[] copy = new byte[(int) bytes];
      src.duplicate().get(copy);
      copyFrom(copy);
    }
  }

  /**
   * Asynchronous copy of {@code bytes} from pinned memory at {@code srcOffset} to the start of this
   * buffer.
   */
  public void copyFromAsync(PinnedBuffer src, long srcOffset, long bytes, StreamRef stream) {
    checkBytes(bytes);
    if (srcOffset < 0 || srcOffset + bytes > src.byteSize()) {
      throw new IndexOutOfBoundsException(
          "pinned range ["
              + srcOffset
              + ", "
              + (srcOffset + bytes)
              + ") of "
              + src.byteSize()
              + " bytes");
    }
    context.ensureCurrent();
    Driver.check(
        Driver.api()
            .cuMemcpyHtoDAsync_v2(
                address(), src.pointer().share(srcOffset), bytes, stream.streamHandle()),
        "cuMemcpyHtoDAsync_v2");
  }

  // ---- device -> host

  public void copyTo(float[] dst) {
    copyTo(dst, null);
  }

  public void copyTo(float[] dst, StreamRef stream) {
    requireType("float[]", DType.F32);
    download(dst.length, 4L, m -> m.read(0, dst, 0, dst.length), stream);
  }

  public void copyTo(double[] dst) {
    requireType("double[]", DType.F64);
    download(dst.length, 8L, m -> m.read(0, dst, 0, dst.length), null);
  }

  public void copyTo(int[] dst) {
    copyTo(dst, null);
  }

  public void copyTo(int[] dst, StreamRef stream) {
    requireType("int[]", DType.I32, DType.U32);
    download(dst.length, 4L, m -> m.read(0, dst, 0, dst.length), stream);
  }

  public void copyTo(long[] dst) {
    requireType("long[]", DType.I64, DType.U64);
    download(dst.length, 8L, m -> m.read(0, dst, 0, dst.length), null);
  }

  public void copyTo(short[] dst) {
    copyTo(dst, null);
  }

  public void copyTo(short[] dst, StreamRef stream) {
    requireType("short[]", DType.I16, DType.U16, DType.F16, DType.BF16);
    download(dst.length, 2L, m -> m.read(0, dst, 0, dst.length), stream);
  }

  public void copyTo(byte[] dst) {
    downloadBytes(dst.length, m -> m.read(0, dst, 0, dst.length), null);
  }

  /** Fills the remaining bytes of {@code dst} from the start of this buffer. */
  public void copyTo(ByteBuffer dst) {
    long bytes = dst.remaining();
    checkBytes(bytes);
    if (bytes == 0) {
      return;
    }
    context.ensureCurrent();
    if (dst.isDirect()) {
      Pointer p = Native.getDirectBufferPointer(dst).share(dst.position());
      Driver.check(Driver.api().cuMemcpyDtoH_v2(p, address(), bytes), "cuMemcpyDtoH_v2");
    } else {
      byte[] copy = new byte[(int) bytes];
      copyTo(copy);
      dst.duplicate().put(copy);
    }
  }

  /**
   * Asynchronous copy of {@code bytes} from the start of this buffer into pinned memory at {@code
   * dstOffset}.
   */
  public void copyToAsync(PinnedBuffer dst, long dstOffset, long bytes, StreamRef stream) {
    checkBytes(bytes);
    if (dstOffset < 0 || dstOffset + bytes > dst.byteSize()) {
      throw new IndexOutOfBoundsException(
          "pinned range ["
              + dstOffset
              + ", "
              + (dstOffset + bytes)
              + ") of "
              + dst.byteSize()
              + " bytes");
    }
    context.ensureCurrent();
    Driver.check(
        Driver.api()
            .cuMemcpyDtoHAsync_v2(
                dst.pointer().share(dstOffset), address(), bytes, stream.streamHandle()),
        "cuMemcpyDtoHAsync_v2");
  }

  /** The whole buffer as floats (F32 only). */
  public float[] toFloatArray() {
    float[] out = new float[Math.toIntExact(count)];
    copyTo(out);
    return out;
  }

  /** The whole buffer as ints (I32/U32 only). */
  public int[] toIntArray() {
    int[] out = new int[Math.toIntExact(count)];
    copyTo(out);
    return out;
  }

  // ---- device -> device and fills

  /**
   * Copies all of {@code src} (same element type, not longer than this buffer) to the start of this
   * buffer.
   */
  public void copyFrom(DeviceBuffer<T> src, StreamRef stream) {
    checkBytes(src.byteSize());
    context.ensureCurrent();
    if (stream == null) {
      Driver.check(
          Driver.api().cuMemcpyDtoD_v2(address(), src.address(), src.byteSize()),
          "cuMemcpyDtoD_v2");
    } else {
      Driver.check(
          Driver.api()
              .cuMemcpyDtoDAsync_v2(
                  address(), src.address(), src.byteSize(), stream.streamHandle()),
          "cuMemcpyDtoDAsync_v2");
    }
  }

  /** Sets every byte to {@code value}; stream-ordered when {@code stream} is not null. */
  public void fillBytes(byte value, StreamRef stream) {
    context.ensureCurrent();
    if (stream == null) {
      Driver.check(Driver.api().cuMemsetD8_v2(address(), value, byteSize()), "cuMemsetD8_v2");
    } else {
      Driver.check(
          Driver.api().cuMemsetD8Async(address(), value, byteSize(), stream.streamHandle()),
          "cuMemsetD8Async");
    }
  }

  /** Sets every 32-bit word to {@code bits} (buffers of 4-byte elements only). */
  public void fill32(int bits, StreamRef stream) {
    if (dtype.byteSize() != 4) {
      throw new IllegalArgumentException(
          "fill32 needs 4-byte elements; this buffer holds " + dtype);
    }
    context.ensureCurrent();
    if (stream == null) {
      Driver.check(Driver.api().cuMemsetD32_v2(address(), bits, count), "cuMemsetD32_v2");
    } else {
      Driver.check(
          Driver.api().cuMemsetD32Async(address(), bits, count, stream.streamHandle()),
          "cuMemsetD32Async");
    }
  }

  /** Sets every element of an F32 buffer to {@code value}. */
  public void fill(float value, StreamRef stream) {
    requireType("float", DType.F32);
    fill32(Float.floatToRawIntBits(value), stream);
  }

  // ---- lifecycle

  /**
   * Frees the memory (back to the allocator, in order on the stream it was allocated on). No-op for
   * views.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (owner == null) {
      allocator.free(address, byteSize(), allocStream);
    }
  }

  public boolean isClosed() {
    return closed || (owner != null && owner.isClosed());
  }

  @Override
  public String toString() {
    return "DeviceBuffer<"
        + dtype
        + ">["
        + count
        + "]@0x"
        + Long.toHexString(address)
        + (owner != null ? " (view)" : "");
  }

  // ---- helpers

  private void checkOpen() {
    if (isClosed()) {
      throw new IllegalStateException(
          this + " is closed" + (owner != null ? " (its owner was closed)" : ""));
    }
  }

  private void requireType(String javaType, DType... allowed) {
    if (Arrays.stream(allowed).noneMatch(t -> t == dtype)) {
      throw new IllegalArgumentException(
          "a "
              + javaType
              + " cannot be copied to or from a buffer of "
              + dtype
              + "; it fits "
              + Arrays.toString(allowed));
    }
  }

  private void checkBytes(long bytes) {
    if (bytes > byteSize()) {
      throw new IndexOutOfBoundsException(
          bytes + " bytes do not fit " + this + " (" + byteSize() + " bytes)");
    }
  }

  private void upload(int elements, long elementBytes, Consumer<Memory> fill, StreamRef stream) {
    uploadBytes(elements * elementBytes, fill, stream);
  }

  private void uploadBytes(long bytes, Consumer<Memory> fill, StreamRef stream) {
    checkBytes(bytes);
    if (bytes == 0) {
      return;
    }
    context.ensureCurrent();
    try (Memory staging = new Memory(bytes)) {
      fill.accept(staging);
      if (stream == null) {
        Driver.check(Driver.api().cuMemcpyHtoD_v2(address(), staging, bytes), "cuMemcpyHtoD_v2");
      } else {
        // From pageable memory the driver stages the bytes before returning, so freeing is safe.
        Driver.check(
            Driver.api().cuMemcpyHtoDAsync_v2(address(), staging, bytes, stream.streamHandle()),
            "cuMemcpyHtoDAsync_v2");
      }
    }
  }

  private void download(int elements, long elementBytes, Consumer<Memory> read, StreamRef stream) {
    downloadBytes(elements * elementBytes, read, stream);
  }

  private void downloadBytes(long bytes, Consumer<Memory> read, StreamRef stream) {
    checkBytes(bytes);
    if (bytes == 0) {
      return;
    }
    context.ensureCurrent();
    try (Memory staging = new Memory(bytes)) {
      if (stream == null) {
        Driver.check(Driver.api().cuMemcpyDtoH_v2(staging, address(), bytes), "cuMemcpyDtoH_v2");
      } else {
        // To pageable memory the driver returns only once the copy has completed.
        Driver.check(
            Driver.api().cuMemcpyDtoHAsync_v2(staging, address(), bytes, stream.streamHandle()),
            "cuMemcpyDtoHAsync_v2");
      }
      read.accept(staging);
    }
  }
}
