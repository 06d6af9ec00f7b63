package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.kernels.GemmCall;
import dev.kernelj.ops.kernels.GpuLimits;
import java.nio.ByteBuffer;

/**
 * Everything the CUDA backend needs from the runtime module, in one small interface, so that the
 * ops layer depends on the runtime in exactly one place: the adapter {@link
 * dev.kernelj.ops.cuda.runtime.RuntimeDevicePort} over the runtime's context, stream, memory pool,
 * pinned buffers, events and cuBLAS handles implements it and registers a {@link Provider}
 * (META-INF/services). All work goes to one stream, {@link #stream()}; tests implement it without a
 * device to prove that bad input never reaches that stream.
 */
public interface DevicePort extends AutoCloseable {
  /** The card's name, e.g. {@code "NVIDIA H100 80GB HBM3"}. */
  String deviceName();

  /** Streaming multiprocessors on the device. */
  int multiprocessorCount();

  /** The most shared memory one block may take (the device's opt-in maximum), in bytes. */
  int sharedMemoryPerBlock();

  /** Shared memory of one SM, which its resident blocks divide, in bytes. */
  int sharedMemoryPerMultiprocessor();

  /** The SM count and shared memory that launch plans size themselves by. */
  default GpuLimits limits() {
    return new GpuLimits(
        multiprocessorCount(), sharedMemoryPerBlock(), sharedMemoryPerMultiprocessor());
  }

  /** L2 cache size in bytes (benchmarks rotate inputs larger than this). */
  long l2CacheBytes();

  /**
   * The generated launcher of a {@code @Kernel} interface, its kernels loaded in this device's
   * context (once per call: callers keep it).
   */
  <K> K loadKernels(Class<K> kernelInterface);

  /** The stream all of this port's work is ordered on. */
  StreamRef stream();

  /** Device memory of at least {@code bytes}, 256-byte aligned. */
  long allocate(long bytes);

  /**
   * Returns memory from {@link #allocate}. Must be safe to call while work that uses it is still
   * queued on {@link #stream()} (stream-ordered free, or a synchronize first).
   */
  void free(long address);

  /** Page-locked host memory as a direct buffer of exactly {@code bytes} capacity. */
  ByteBuffer allocatePinned(long bytes);

  void freePinned(ByteBuffer buffer);

  /**
   * Queues a copy of {@code bytes} from direct {@code src} (from index 0) to device {@code dst}:
   * pinned staging memory, or a mapped file's pages ({@code -Dkernelj.hostCopy=pageable}), which
   * the driver stages itself before it returns.
   */
  void copyHostToDeviceAsync(long dst, ByteBuffer src, long bytes);

  /**
   * Queues a copy of {@code bytes} from device {@code src} into pinned {@code dst} (from index 0).
   */
  void copyDeviceToHostAsync(ByteBuffer dst, long src, long bytes);

  void copyDeviceToDeviceAsync(long dst, long src, long bytes);

  /** Queues {@code cuMemsetD8Async}. */
  void memsetD8Async(long dst, byte value, long count);

  /** Queues {@code cuMemsetD16Async}. */
  void memsetD16Async(long dst, short value, long count);

  /** Queues {@code cuMemsetD32Async}. */
  void memsetD32Async(long dst, int value, long count);

  /** Waits for the stream. */
  void synchronize();

  /** Free and total device memory in bytes, as {@code {free, total}}. */
  long[] memoryInfo();

  /**
   * Captures what {@code body} queues on {@link #stream()} into a CUDA graph instead of running it.
   * Nothing may synchronize or allocate outside the stream's order while capturing.
   *
   * @throws UnsupportedOperationException where this port cannot capture
   */
  CapturedGraph captureGraph(Runnable body);

  /** Queues a cuBLAS/cuBLASLt GEMM with f32 compute on the stream. */
  void gemm(GemmCall call);

  /**
   * Queues a GEMM ({@code alpha} 1, {@code beta} 0) whose column {@code j} of C — a token's row of
   * a row-major product — has the same bits whatever {@code call.n()} is and whatever the other
   * columns hold: one cuBLASLt algorithm without a k split, chosen once per shape without n by the
   * heuristic at {@code planColumns} columns, used for every n.
   *
   * @throws UnsupportedOperationException where this port has no such GEMM
   */
  default void gemmBatchInvariant(GemmCall call, int planColumns) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " has no batch-invariant GEMM");
  }

  /** A new CUDA event handle (timing enabled). */
  long createEvent();

  /** Records the event on the stream. */
  void recordEvent(long event);

  /** Milliseconds between two recorded events; waits for the later one. */
  float elapsedMillis(long start, long end);

  /** Waits until the work queued before the event's last record has finished. */
  void synchronizeEvent(long event);

  void destroyEvent(long event);

  /** Releases the stream, handles and cached memory. */
  @Override
  void close();

  /** Opens ports; found with {@link java.util.ServiceLoader}. */
  interface Provider {
    /**
     * Opens the device of this ordinal.
     *
     * @throws IllegalStateException with the reason when there is no usable GPU or driver
     */
    DevicePort open(int deviceOrdinal);
  }
}
