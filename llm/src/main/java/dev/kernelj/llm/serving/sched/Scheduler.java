package dev.kernelj.llm.serving.sched;

import dev.kernelj.llm.serving.kv.BlockHasher;
import dev.kernelj.llm.serving.kv.BlockPool;
import java.util.ArrayDeque;

/**
 * Forms each step of continuous batching, vLLM V1's way: a step is a map {sequence: tokens this
 * step} under a token budget. Running sequences come first, in admission order, each with all of
 * its uncomputed tokens the budget allows (one for a decoding sequence, a chunk for a prompt still
 * being prefilled); then waiting sequences are admitted first come, first served while the budget,
 * the cap on running sequences and the pool allow, each starting after its cached prefix. So
 * chunked prefill falls out of the budget, and a long prompt never stalls running decodes for more
 * than one step.
 *
 * <p>A step has at most {@code maxNumSeqs} logit rows: one per sampling sequence, and one per
 * position of a chunk whose prompt logprobs were asked for ({@link Sequence#scoring}); such a chunk
 * gets the rows the other sequences leave, and waiting ones are admitted while rows are left.
 *
 * <p>When a running sequence needs a block and the pool has none, the newest running sequence is
 * preempted: its blocks go back (its full blocks stay cached) and it returns to the front of the
 * waiting queue, to be recomputed later from its prompt and the tokens it had generated. No
 * sequence is admitted in a step that preempted.
 *
 * <p>Single-threaded (the engine's scheduler thread); {@link #schedule} allocates nothing and costs
 * O(sequences in the step) plus the blocks it hands out.
 */
public final class Scheduler {
  private final KvAllocator kv;
  private final int maxNumSeqs;
  private final int maxNumBatchedTokens;
  private final Sequence[] running;
  private int runningCount;
  private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
  private final ScheduledBatch batch;
  private final SchedulerCounters counters = new SchedulerCounters();

  public Scheduler(
      BlockPool pool,
      BlockHasher hasher,
      int maxNumSeqs,
      int maxNumBatchedTokens,
      boolean prefixCaching,
      int maxModelLen) {
    if (maxNumSeqs < 1 || maxNumBatchedTokens < 1 || maxModelLen < 1) {
      throw new IllegalArgumentException(
          "max sequences "
              + maxNumSeqs
              + ", max batched tokens "
              + maxNumBatchedTokens
              + " and max model length "
              + maxModelLen
              + " must all be >= 1");
    }
    int blocksPerSequence = (maxModelLen + pool.blockSize() - 1) / pool.blockSize();
    this.kv = new KvAllocator(pool, hasher, prefixCaching, blocksPerSequence);
    this.maxNumSeqs = maxNumSeqs;
    this.maxNumBatchedTokens = maxNumBatchedTokens;
    this.running = new Sequence[maxNumSeqs];
    this.batch = new ScheduledBatch(maxNumSeqs);
  }

  public BlockPool pool() {
    return kv.pool();
  }

  public SchedulerCounters counters() {
    return counters;
  }

  public int runningCount() {
    return runningCount;
  }

  public int waitingCount() {
    return waiting.size();
  }

  public boolean hasWork() {
    return runningCount > 0 || !waiting.isEmpty();
  }

  /** Queues a new sequence behind every waiting one. */
  public void add(Sequence s) {
    if (s.status != Sequence.Status.WAITING || s.blockCount() != 0) {
      throw new IllegalArgumentException(s + " is not a new sequence");
    }
    waiting.addLast(s);
  }

  /** The next step; empty only when nothing is running or waiting. Valid until the next call. */
  public ScheduledBatch schedule() {
    batch.clear();
    int budget = maxNumBatchedTokens;
    int rows = maxNumSeqs; // logit rows left: the sampler's and the logits' capacity
    boolean preempted = false;
    for (int i = 0; i < runningCount && budget > 0; i++) {
      Sequence s = running[i];
      int count = Math.min(s.length() - s.computed(), budget);
      if (s.scoring()) {
        // a row for every running sequence after it; it gets the rest
        count = Math.min(count, rows - (runningCount - i - 1));
        if (count < 1) {
          continue;
        }
      }
      while (!kv.grow(s, count)) {
        Sequence victim = running[--runningCount];
        running[runningCount] = null;
        preempt(victim);
        preempted = true;
        if (victim == s) {
          break;
        }
      }
      if (s.status != Sequence.Status.RUNNING) {
        break; // s preempted itself: it was the last running sequence
      }
      batch.add(s, count);
      budget -= count;
      rows -= batch.rows(batch.size() - 1);
    }
    while (!preempted
        && budget > 0
        && rows > 0
        && runningCount < maxNumSeqs
        && !waiting.isEmpty()) {
      Sequence s = waiting.peekFirst();
      int cached = kv.findCachedPrefix(s);
      int count = Math.min(s.length() - cached, budget);
      if (s.scoring()) {
        count = Math.min(count, rows);
      }
      if (!kv.admit(s, count)) {
        break; // first come, first served: nobody overtakes the head of the queue
      }
      waiting.pollFirst();
      if (s.cachedPromptTokens() < 0) {
        counters.prefixQueries += s.promptLength();
        counters.prefixHits += cached;
      }
      s.recordCachedPrompt(cached);
      s.status = Sequence.Status.RUNNING;
      running[runningCount++] = s;
      batch.add(s, count);
      budget -= count;
      rows -= batch.rows(batch.size() - 1);
    }
    counters.steps++;
    return batch;
  }

  private void preempt(Sequence s) {
    kv.release(s, true);
    s.status = Sequence.Status.WAITING;
    waiting.addFirst(s);
    counters.preemptions++;
  }

  /**
   * Records that {@code step} ran: each entry's tokens are computed (full blocks join the prefix
   * cache) and each sampling entry gets {@code sampled[entry]} appended.
   */
  public void commit(ScheduledBatch step, int[] sampled) {
    for (int e = 0; e < step.size(); e++) {
      Sequence s = step.sequence(e);
      int count = step.count(e);
      boolean decode = count == 1 && step.start(e) == s.length() - 1 && s.generated() > 0;
      if (!decode) {
        counters.promptTokens += count;
      }
      s.advance(count);
      kv.registerFull(s);
      if (step.samples(e)) {
        s.append(sampled[e]);
        counters.generationTokens++;
      }
    }
  }

  /**
   * Ends {@code s} (finished, cancelled or failed): its blocks go back to the pool and it leaves
   * the running batch or the queue. Call between steps; idempotent.
   */
  public void finish(Sequence s) {
    if (s.status == Sequence.Status.FINISHED) {
      return;
    }
    if (s.status == Sequence.Status.WAITING) {
      waiting.remove(s);
    } else {
      for (int i = 0; i < runningCount; i++) {
        if (running[i] == s) {
          System.arraycopy(running, i + 1, running, i, runningCount - i - 1);
          running[--runningCount] = null;
          break;
        }
      }
    }
    kv.release(s, false);
    s.status = Sequence.Status.FINISHED;
    counters.finished++;
  }

  /**
   * Checks the pool against the block tables of every running sequence (waiting ones hold none);
   * throws naming the first broken invariant. O(blocks): for tests and debugging.
   */
  public void checkInvariants() {
    BlockPool pool = kv.pool();
    int[] held = new int[pool.numBlocks()];
    for (int i = 0; i < runningCount; i++) {
      Sequence s = running[i];
      if (s.status != Sequence.Status.RUNNING) {
        throw new IllegalStateException(s + " is in the running batch");
      }
      if (s.blockCount() < kv.blocksFor(s.computed())) {
        throw new IllegalStateException(s + " has fewer blocks than its computed tokens need");
      }
      for (int b = 0; b < s.blockCount(); b++) {
        held[s.block(b)]++;
      }
    }
    for (Sequence s : waiting) {
      if (s.blockCount() != 0 || s.computed() != 0) {
        throw new IllegalStateException("waiting " + s + " holds blocks");
      }
    }
    pool.checkInvariants(held);
  }
}
