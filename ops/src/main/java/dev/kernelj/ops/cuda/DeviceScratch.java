package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DeviceAllocation;
import dev.kernelj.ops.Shape;
import dev.kernelj.ops.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Device scratch memory of the CUDA backend, one buffer per purpose (split-KV partials, sampling
 * parameters, ...), grown on demand and kept until the backend closes. A buffer that grows is
 * retired rather than freed, because a CUDA graph captured earlier may still name its address; the
 * few bytes that costs buy graphs that never read freed memory.
 *
 * <p>Reusing one buffer across calls is safe without synchronising: every user is ordered on the
 * port's one stream.
 */
final class DeviceScratch implements AutoCloseable {
  private record Buffer(long address, long bytes) {}

  private final DevicePort port;
  private final Map<String, Buffer> current = new HashMap<>();
  private final List<Long> allocated = new ArrayList<>();

  DeviceScratch(DevicePort port) {
    this.port = port;
  }

  /**
   * A buffer of at least {@code bytes} for {@code purpose}, 256-byte aligned. With {@code zeroed} a
   * new buffer is cleared to zero (in stream order) before it is handed out; its user must leave it
   * zeroed again.
   */
  synchronized long get(String purpose, long bytes, boolean zeroed) {
    Buffer b = current.get(purpose);
    if (b != null && b.bytes() >= bytes) {
      return b.address();
    }
    long size = Math.max(256, (bytes + 255) / 256 * 256);
    long address = port.allocate(size);
    allocated.add(address);
    if (zeroed) {
      port.memsetD32Async(address, 0, size / 4);
    }
    current.put(purpose, new Buffer(address, size));
    return address;
  }

  /**
   * {@link #get}'s buffer for {@code purpose} as a contiguous tensor of {@code elements} of {@code
   * dtype}, for handing typed pointers to kernels. The scratch owns the memory: closing the tensor
   * frees nothing.
   */
  Tensor tensor(String purpose, DType dtype, long elements, boolean zeroed) {
    long bytes = elements * dtype.byteSize();
    long address = get(purpose, bytes, zeroed);
    return Tensor.onDevice(
        dtype,
        Shape.of(Math.toIntExact(elements)),
        new DeviceAllocation(address, bytes, this, unowned -> {}));
  }

  /** Bytes rounded up to the 256-byte alignment of sub-buffers carved out of one scratch buffer. */
  static long aligned(long bytes) {
    return (bytes + 255) / 256 * 256;
  }

  @Override
  public synchronized void close() {
    allocated.forEach(port::free);
    allocated.clear();
    current.clear();
  }
}
