package dev.kernelj.ops.backend;

/**
 * Work captured from a {@link CudaDevicePort}'s stream once ({@link CudaDevicePort#captureGraph})
 * and replayed many times: the LLM decode step, whose kernels read their varying inputs (token ids,
 * positions, context lengths) from device buffers rewritten before each replay.
 */
public interface CapturedGraph extends AutoCloseable {
  /** Queues the captured work on the port's stream again; asynchronous like a launch. */
  void replay();

  /** Releases the graph; later {@link #replay} calls fail. */
  @Override
  void close();
}
