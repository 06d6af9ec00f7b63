package dev.kernelj.runtime.cuda;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import dev.kernelj.runtime.driver.Driver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Page-locked host memory ({@code cuMemHostAlloc}): the source or target of truly asynchronous
 * copies. Must stay open until the copies queued on it have finished.
 */
public final class PinnedBuffer implements AutoCloseable {
  private final CudaContext context;
  private final Pointer pointer;
  private final long byteSize;
  private boolean closed;

  private PinnedBuffer(CudaContext context, Pointer pointer, long byteSize) {
    this.context = context;
    this.pointer = pointer;
    this.byteSize = byteSize;
  }

  static PinnedBuffer allocate(CudaContext context, long bytes, int flags) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("pinned buffer size must be > 0, got " + bytes);
    }
    context.ensureCurrent();
    PointerByReference ref = new PointerByReference();
    Driver.check(
        Driver.api().cuMemHostAlloc(ref, bytes, flags), "cuMemHostAlloc(" + bytes + " bytes)");
    return new PinnedBuffer(context, ref.getValue(), bytes);
  }

  /** The host memory; valid until {@link #close()}. */
  public Pointer pointer() {
    if (closed) {
      throw new IllegalStateException("pinned buffer is closed");
    }
    return pointer;
  }

  public long byteSize() {
    return byteSize;
  }

  /** A little-endian view of the whole buffer (at most 2 GiB). */
  public ByteBuffer asByteBuffer() {
    return pointer().getByteBuffer(0, byteSize).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      context.ensureCurrent();
      Driver.check(Driver.api().cuMemFreeHost(pointer), "cuMemFreeHost");
    }
  }
}
