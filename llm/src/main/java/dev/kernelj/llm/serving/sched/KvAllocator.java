package dev.kernelj.llm.serving.sched;

import dev.kernelj.llm.serving.kv.BlockHasher;
import dev.kernelj.llm.serving.kv.BlockPool;

/**
 * Gives sequences their cache blocks from the shared {@link BlockPool}: the cached blocks of a
 * shared prefix when a sequence is admitted, new blocks as it grows, its full blocks registered in
 * the prefix cache once their K/V are written, and everything back (last block first, so a prefix
 * is evicted from its end) when it finishes or is preempted.
 *
 * <p>A hit never covers a sequence's last known token: that token must be computed to get the
 * logits of the next one, and its block is then written, so it cannot be a shared block.
 */
final class KvAllocator {
  private final BlockPool pool;
  private final BlockHasher hasher;
  private final boolean prefixCaching;
  private final int blockSize;
  private final int[] hits;
  private int hitCount;

  KvAllocator(BlockPool pool, BlockHasher hasher, boolean prefixCaching, int maxBlocksPerSequence) {
    if (hasher.blockSize() != pool.blockSize()) {
      throw new IllegalArgumentException(
          "hasher blocks of " + hasher.blockSize() + " tokens, pool blocks of " + pool.blockSize());
    }
    this.pool = pool;
    this.hasher = hasher;
    this.prefixCaching = prefixCaching;
    this.blockSize = pool.blockSize();
    this.hits = new int[maxBlocksPerSequence];
  }

  BlockPool pool() {
    return pool;
  }

  /** Blocks that hold {@code tokens} tokens. */
  int blocksFor(int tokens) {
    return (tokens + blockSize - 1) / blockSize;
  }

  /**
   * Finds the longest cached prefix of {@code s} in whole blocks and remembers it for {@link
   * #admit}; holds nothing. Returns the tokens it covers.
   */
  int findCachedPrefix(Sequence s) {
    hitCount = 0;
    if (!prefixCaching || s.promptLogprobs() >= 0) {
      return 0; // prompt logprobs need the logits of every prompt position: compute them all
    }
    int maxBlocks = Math.min(hits.length, (s.length() - 1) / blockSize);
    int[] tokens = s.tokenArray();
    while (hitCount < maxBlocks) {
      int i = hitCount;
      int b = pool.lookup(s.key(i, hasher), s.parentKey(i, hasher), tokens, i * blockSize);
      if (b < 0) {
        break;
      }
      hits[hitCount++] = b;
    }
    return hitCount * blockSize;
  }

  /**
   * Gives a sequence with no blocks the hits of the last {@link #findCachedPrefix} (they count as
   * computed) and room for {@code newTokens} more; false, holding nothing, when the pool cannot.
   */
  boolean admit(Sequence s, int newTokens) {
    int need = blocksFor(hitCount * blockSize + newTokens) - hitCount;
    int freeHits = 0;
    for (int i = 0; i < hitCount; i++) {
      freeHits += pool.refCount(hits[i]) == 0 ? 1 : 0;
    }
    // Free hits leave the free list when held, so they cannot also serve as new blocks.
    if (need > pool.freeCount() - freeHits) {
      return false;
    }
    for (int i = 0; i < hitCount; i++) {
      pool.acquire(hits[i]);
      s.addBlock(hits[i]);
    }
    s.advance(hitCount * blockSize);
    s.setRegistered(hitCount);
    for (int i = 0; i < need; i++) {
      s.addBlock(pool.allocate());
    }
    return true;
  }

  /** Room for {@code count} tokens after {@code s.computed()}; false, taking nothing, if none. */
  boolean grow(Sequence s, int count) {
    int need = blocksFor(s.computed() + count) - s.blockCount();
    if (need > pool.freeCount()) {
      return false;
    }
    for (int i = 0; i < need; i++) {
      s.addBlock(pool.allocate());
    }
    return true;
  }

  /** Registers the blocks of {@code s} that its computed tokens have filled since last time. */
  void registerFull(Sequence s) {
    int full = s.computed() / blockSize;
    if (!prefixCaching || full <= s.registered()) {
      return;
    }
    int[] tokens = s.tokenArray();
    for (int i = s.registered(); i < full; i++) {
      pool.register(s.block(i), s.key(i, hasher), s.parentKey(i, hasher), tokens, i * blockSize);
    }
    s.setRegistered(full);
  }

  /** Returns every block of {@code s}, its last block first. */
  void release(Sequence s, boolean preempted) {
    for (int i = s.blockCount() - 1; i >= 0; i--) {
      pool.release(s.block(i));
    }
    s.resetAfterRelease(preempted);
  }
}
