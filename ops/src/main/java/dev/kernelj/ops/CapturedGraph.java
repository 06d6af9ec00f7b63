package dev.kernelj.ops;

/**
 * Work captured once by {@link Ops#captureGraph} and replayed many times: the LLM decode step,
 * whose kernels read their varying inputs (token ids, positions, context lengths, sampling rows)
 * from fixed tensors rewritten through {@link StepIo} before each replay.
 */
public interface CapturedGraph extends AutoCloseable {
  /** Queues the captured work again; asynchronous like the ops it holds. */
  void replay();

  /** Releases the graph; later {@link #replay} calls fail. */
  @Override
  void close();
}
