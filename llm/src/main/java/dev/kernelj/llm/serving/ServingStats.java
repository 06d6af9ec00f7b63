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
    long hostNanos) {
  /** Fraction of looked-up prompt tokens found in the prefix cache (0 when none were). */
  public double prefixCacheHitRate() {
    return prefixCacheQueries == 0 ? 0 : (double) prefixCacheHits / prefixCacheQueries;
  }

  /** Fraction of the pool held by requests. */
  public double kvUsage() {
    return kvBlocksTotal == 0 ? 0 : (double) kvBlocksUsed / kvBlocksTotal;
  }
}
