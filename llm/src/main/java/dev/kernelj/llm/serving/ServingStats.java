package dev.kernelj.llm.serving;

/**
 * A snapshot of a {@link ServingEngine}.
 *
 * @param running requests in the running batch
 * @param waiting requests queued (new or preempted)
 * @param kvBlocksUsed KV blocks held by requests
 * @param kvBlocksCached unreferenced blocks kept for the prefix cache (evictable)
 * @param kvBlocksTotal blocks in the pool
 * @param blockSize tokens per block
 * @param prefixCacheQueries prompt tokens looked up in the prefix cache, all time
 * @param prefixCacheHits of those, tokens found
 * @param promptTokens prompt tokens computed (not cached), all time
 * @param generationTokens tokens generated, all time
 * @param preemptions requests preempted, all time
 * @param finishedRequests requests finished (any reason), all time
 * @param steps scheduler steps run, all time
 * @param stepNanos device+host time of all steps
 * @param hostNanos host time of all steps outside the device work (scheduling, I/O, streaming)
 * @param peakKvBlocksUsed most KV blocks held by requests at once, all time
 */
public record ServingStats(
    int running,
    int waiting,
    int kvBlocksUsed,
    int kvBlocksCached,
    int kvBlocksTotal,
    int blockSize,
    long prefixCacheQueries,
    long prefixCacheHits,
    long promptTokens,
    long generationTokens,
    long preemptions,
    long finishedRequests,
    long steps,
    long stepNanos,
    long hostNanos,
    int peakKvBlocksUsed) {
  /** Fraction of looked-up prompt tokens found in the prefix cache (0 when none were). */
  public double prefixCacheHitRate() {
    return prefixCacheQueries == 0 ? 0 : (double) prefixCacheHits / prefixCacheQueries;
  }

  /** Fraction of the pool held by requests. */
  public double kvUsage() {
    return kvBlocksTotal == 0 ? 0 : (double) kvBlocksUsed / kvBlocksTotal;
  }

  /** Most of the pool ever held by requests at once. */
  public double peakKvUsage() {
    return kvBlocksTotal == 0 ? 0 : (double) peakKvBlocksUsed / kvBlocksTotal;
  }

  /** Mean time of a step, in milliseconds (0 before the first). */
  public double meanStepMillis() {
    return steps == 0 ? 0 : stepNanos / 1e6 / steps;
  }

  /** Fraction of step time spent on the host outside the device work. */
  public double hostFraction() {
    return stepNanos == 0 ? 0 : (double) hostNanos / stepNanos;
  }
}
