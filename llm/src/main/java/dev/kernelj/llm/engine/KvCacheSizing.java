package dev.kernelj.llm.engine;

import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.util.ByteSizes;

/**
 * How many KV-cache blocks the engine allocates (what its batch and context address, within the
 * memory budget left after the weights and step buffers), and the one error that says what would
 * fit when the requested batch and context do not.
 */
final class KvCacheSizing {
  private KvCacheSizing() {}

  /** Blocks one sequence of {@code maxContext} tokens needs. */
  static int blocksPerSequence(int maxContext, int blockSize) {
    return (int) (((long) maxContext + blockSize - 1) / blockSize);
  }

  /**
   * The blocks {@code maxBatch} sequences of {@code maxContext} tokens address, when that many fit
   * in {@code budgetBytes}; otherwise an {@link EngineException} naming the room there is and the
   * batch and context that would fit. The budget caps the cache; static batches never address more
   * blocks than that, and mapping them would only cost start-up time (0.25 s for 130 GB on an H200)
   * and, on the CPU, shared heap.
   *
   * @param elementBytes bytes the backend stores one cache element in
   * @param where describes the budget for the message, e.g. "0.90 of the 79.1 GiB card after 2.3
   *     GiB of weights"
   */
  static int blocks(
      ModelConfig config,
      int elementBytes,
      int blockSize,
      long budgetBytes,
      int maxBatch,
      int maxContext,
      String where) {
    long blockBytes = PagedKvCache.blockBytes(config, elementBytes, blockSize);
    long fit = Math.max(0, budgetBytes) / blockBytes;
    long needed = (long) maxBatch * blocksPerSequence(maxContext, blockSize);
    if (fit < needed) {
      long tokens = fit * blockSize;
      long contextAtBatch = Math.min(maxContext, tokens / maxBatch / blockSize * blockSize);
      long batchAtContext = tokens / maxContext;
      // Batch sizes are named in words: each command spells its own option (bench --batch-size).
      String suggestion =
          contextAtBatch < blockSize && batchAtContext < 1
              ? "nothing fits: lower the weights' footprint or raise --gpu-memory-utilization"
              : "fits: "
                  + (contextAtBatch >= blockSize
                      ? "--max-context " + contextAtBatch + " at a batch of " + maxBatch
                      : "")
                  + (contextAtBatch >= blockSize && batchAtContext >= 1 && maxBatch > 1
                      ? ", or "
                      : "")
                  + (batchAtContext >= 1 && maxBatch > 1
                      ? "a batch of " + batchAtContext + " at --max-context " + maxContext
                      : "");
      throw new EngineException(
          "KV cache does not fit: "
              + where
              + " leaves "
              + ByteSizes.format(Math.max(0, budgetBytes))
              + " = "
              + tokens
              + " tokens ("
              + ByteSizes.format(blockBytes / blockSize)
              + " per token), but a batch of "
              + maxBatch
              + " x --max-context "
              + maxContext
              + " needs "
              + (long) needed * blockSize
              + " tokens; "
              + suggestion);
    }
    return (int) needed;
  }
}
