package dev.kernelj.llm.serving.sched;

import dev.kernelj.llm.serving.kv.BlockPool;

/**
 * A stand-in model that checks what a real one would silently get wrong. Its "KV cache" stores the
 * token itself at each slot; a step writes each fed token at its slot (which must lie in a block
 * the sequence alone holds, not yet cached) and then "attends": it reads the sequence's whole
 * context back through its block table, which must give exactly the sequence's tokens (prefix-cache
 * hits included), and draws the next token as a hash of that context. So a sequence's output
 * depends only on its own tokens, as a model's does, and {@link #expected} says what it must be.
 */
final class PagedTokenModel implements StepExecutor {
  static final int VOCAB = 50;

  private final BlockPool pool;
  private final int[] slots;
  int steps;

  PagedTokenModel(BlockPool pool) {
    this.pool = pool;
    this.slots = new int[pool.numBlocks() * pool.blockSize()];
    java.util.Arrays.fill(slots, -1);
  }

  @Override
  public void execute(ScheduledBatch step, StepResult result) {
    steps++;
    int bs = pool.blockSize();
    for (int e = 0; e < step.size(); e++) {
      Sequence s = step.sequence(e);
      int start = step.start(e);
      int end = start + step.count(e);
      // A step must feed at least one token: the next token's logits come from the last fed row.
      if (start != s.computed() || end <= start || end > s.length() || s.blockCount() * bs < end) {
        throw new AssertionError(
            "entry " + e + " feeds " + start + ".." + end + " of " + s + " without room");
      }
      for (int p = start; p < end; p++) {
        int block = s.block(p / bs);
        if (pool.refCount(block) != 1 || pool.isCached(block)) {
          throw new AssertionError(
              s + " writes position " + p + " into shared or cached block " + block);
        }
        slots[block * bs + p % bs] = s.token(p);
      }
    }
    for (int e = 0; e < step.size(); e++) {
      if (!step.samples(e)) {
        continue;
      }
      Sequence s = step.sequence(e);
      int context = step.start(e) + step.count(e);
      long h = 17;
      for (int p = 0; p < context; p++) {
        int seen = slots[s.block(p / bs) * bs + p % bs];
        if (seen != s.token(p)) {
          throw new AssertionError(
              s + " reads token " + seen + " at position " + p + " where it has " + s.token(p));
        }
        h = h * 31 + seen;
      }
      result.tokens[e] = next(h);
    }
  }

  private static int next(long h) {
    return (int) Math.floorMod(h ^ (h >>> 17), (long) VOCAB);
  }

  /** The tokens a sequence with {@code prompt} gets from this model alone. */
  static int[] expected(int[] prompt, int tokens) {
    int[] all = java.util.Arrays.copyOf(prompt, prompt.length + tokens);
    for (int i = prompt.length; i < all.length; i++) {
      long h = 17;
      for (int p = 0; p < i; p++) {
        h = h * 31 + all[p];
      }
      all[i] = next(h);
    }
    return java.util.Arrays.copyOfRange(all, prompt.length, all.length);
  }

  @Override
  public void close() {}
}
