package dev.kernelj.runtime.cuda;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.kernelj.runtime.driver.Driver;
import java.nio.ByteBuffer;

/**
 * Copies and fills of raw device memory (addresses from a {@link DeviceAllocator}, for callers that
 * manage memory themselves) queued on one stream, through the checked driver layer: the stream's
 * context is made current, every status becomes a {@link dev.kernelj.runtime.driver.CudaException}
 * naming the call and its size, and a host buffer must be direct and hold the bytes asked for.
 */
public final class StreamMemory {
  private final CudaStream stream;

  public StreamMemory(CudaStream stream) {
    this.stream = stream;
  }

  /**
   * Queues a copy of {@code bytes} from direct {@code src} (from index 0: pinned memory, or a
   * mapped file's pages, which the driver stages itself before it returns) to device {@code dst}.
   */
  public void copyToDevice(long dst, ByteBuffer src, long bytes) {
    Pointer host = hostPointer("copyToDevice", src, bytes);
    if (bytes == 0) {
      return;
    }
    stream.context().ensureCurrent();
    Driver.check(
        Driver.api().cuMemcpyHtoDAsync_v2(dst, host, bytes, stream.streamHandle()),
        "cuMemcpyHtoDAsync_v2(" + bytes + " bytes)");
  }

  /** Queues a copy of {@code bytes} from device {@code src} into direct {@code dst} (index 0). */
  public void copyToHost(ByteBuffer dst, long src, long bytes) {
    Pointer host = hostPointer("copyToHost", dst, bytes);
    if (bytes == 0) {
      return;
    }
    stream.context().ensureCurrent();
    Driver.check(
        Driver.api().cuMemcpyDtoHAsync_v2(host, src, bytes, stream.streamHandle()),
        "cuMemcpyDtoHAsync_v2(" + bytes + " bytes)");
  }

  /** Queues a copy of {@code bytes} between device addresses. */
  public void copyOnDevice(long dst, long src, long bytes) {
    if (bytes == 0) {
      return;
    }
    stream.context().ensureCurrent();
    Driver.check(
        Driver.api().cuMemcpyDtoDAsync_v2(dst, src, bytes, stream.streamHandle()),
        "cuMemcpyDtoDAsync_v2(" + bytes + " bytes)");
  }

  /** Queues setting {@code count} bytes at {@code dst} to {@code value}. */
  public void fill8(long dst, byte value, long count) {
    stream.context().ensureCurrent();
    Driver.check(
        Driver.api().cuMemsetD8Async(dst, value, count, stream.streamHandle()),
        "cuMemsetD8Async(" + count + ")");
  }

  /** Queues setting {@code count} 16-bit words at {@code dst} to {@code value}. */
  public void fill16(long dst, short value, long count) {
    stream.context().ensureCurrent();
    Driver.check(
        Driver.api().cuMemsetD16Async(dst, value, count, stream.streamHandle()),
        "cuMemsetD16Async(" + count + ")");
  }

  /** Queues setting {@code count} 32-bit words at {@code dst} to {@code value}. */
  public void fill32(long dst, int value, long count) {
    stream.context().ensureCurrent();
    Driver.check(
        Driver.api().cuMemsetD32Async(dst, value, count, stream.streamHandle()),
        "cuMemsetD32Async(" + count + ")");
  }

  /** The address of a direct buffer's first element, after checking it holds {@code bytes}. */
  private static Pointer hostPointer(String call, ByteBuffer buffer, long bytes) {
    if (!buffer.isDirect()) {
      throw new IllegalArgumentException(
          call + ": host buffer must be direct (pinned or mapped), got a heap buffer");
    }
    if (bytes < 0 || bytes > buffer.capacity()) {
      throw new IllegalArgumentException(
          call + ": " + bytes + " bytes do not fit a host buffer of " + buffer.capacity());
    }
    return Native.getDirectBufferPointer(buffer);
  }
}
