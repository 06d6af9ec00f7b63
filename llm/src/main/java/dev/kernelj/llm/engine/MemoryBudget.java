package dev.kernelj.llm.engine;

import dev.kernelj.llm.util.ByteSizes;
import dev.kernelj.ops.MemoryInfo;
import java.util.Locale;

/**
 * The memory an engine may use: a fraction of the backend's pool ({@link MemoryInfo}: the card on
 * CUDA, the free Java heap on the reference backend), measured once before anything is loaded, so
 * that everything the engine then allocates counts against it.
 */
record MemoryBudget(MemoryInfo pool, double fraction) {
  /** Bytes the engine may have in use, all told. */
  long allowed() {
    return (long) (pool.total() * fraction);
  }

  /** Bytes in use by others when the budget was measured. */
  private long usedBefore() {
    return pool.total() - pool.free();
  }

  /**
   * @throws EngineException when {@code bytes} of {@code what} do not fit, naming what to raise
   */
  void requireRoomFor(long bytes, String what) {
    long room = allowed() - usedBefore();
    if (bytes > room) {
      throw new EngineException(
          "the model does not fit: its "
              + what
              + " need "
              + ByteSizes.format(bytes)
              + " but "
              + String.format(Locale.ROOT, "%.2f", fraction)
              + " of the "
              + ByteSizes.format(pool.total())
              + " "
              + pool.pool()
              + " leaves "
              + ByteSizes.format(Math.max(0, room))
              + (pool.javaHeap()
                  ? " (raise -Xmx)"
                  : " (raise --gpu-memory-utilization or use a smaller model)"));
    }
  }

  /** Bytes left once {@code used} more bytes are taken than when the budget was measured. */
  long remainingAfter(long used) {
    return allowed() - usedBefore() - used;
  }

  /** E.g. {@code "0.90 of the 79.1 GiB card after 2.3 GiB of weights"}, for messages. */
  String describe(long weightBytes) {
    return String.format(Locale.ROOT, "%.2f", fraction)
        + " of the "
        + ByteSizes.format(pool.total())
        + " "
        + pool.pool()
        + " after "
        + ByteSizes.format(weightBytes)
        + " of weights";
  }
}
