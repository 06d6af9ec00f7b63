package dev.kernelj.llm.serving.sched;

/**
 * Runs the steps the {@link Scheduler} forms: the model on the device (or a stand-in in tests).
 * Called by the scheduler thread only.
 */
public interface StepExecutor extends AutoCloseable {
  /**
   * Computes the K/V of every entry's tokens into the entry's cache blocks and, for each entry that
   * {@link ScheduledBatch#samples samples}, draws its next token into {@code result}.
   */
  void execute(ScheduledBatch step, StepResult result);

  /** Frees what the executor holds (device memory, the model). */
  @Override
  void close();
}
