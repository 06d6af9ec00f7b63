package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.sched.ScheduledBatch;
import dev.kernelj.llm.serving.sched.StepExecutor;
import dev.kernelj.llm.serving.sched.StepResult;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link ContinuousBatchingEngine} whose "device" takes a fixed time per step and samples
 * pseudo-random tokens: the scheduler, packing, stop checks, streaming decode and deltas all run
 * for real, so benchmarks of what sits around the engine (HTTP, clients) see the host cost a real
 * model has, without a GPU. Public for benchmarks in other packages.
 */
public final class StandInEngine {
  private StandInEngine() {}

  /** How the stand-in device's step time passes on the scheduler thread. */
  public enum Wait {
    /** Busy-waits, as the CUDA driver does by default when it waits for a stream on a host. */
    SPIN,
    /** Sleeps, giving the core away. */
    SLEEP
  }

  /**
   * An engine with a pool of {@code numBlocks} blocks of 16 tokens whose every step takes {@code
   * stepNanos + tokenNanos * tokens} of "device" time.
   *
   * @param tokenizer detokenizes the output; null for empty text
   * @param vocab sampled ids are below this (and below 128,000, clear of Llama 3's special tokens)
   */
  public static ContinuousBatchingEngine open(
      ServingOptions options,
      Tokenizer tokenizer,
      int vocab,
      int maxModelLen,
      int numBlocks,
      long stepNanos,
      long tokenNanos,
      Wait wait) {
    int blockSize = 16;
    ServedModel model =
        new ServedModel(vocab, Set.of(), tokenizer, maxModelLen, numBlocks, blockSize, "stand-in");
    TimedExecutor executor =
        new TimedExecutor(
            options.maxNumBatchedTokens(),
            options.maxNumSeqs(),
            (maxModelLen + blockSize - 1) / blockSize,
            blockSize,
            Math.min(vocab, 128_000),
            stepNanos,
            tokenNanos,
            wait);
    return new ContinuousBatchingEngine(executor, model, null, options);
  }

  /** Lays each step out as the model executor does, then lets the step's time pass. */
  private static final class TimedExecutor implements StepExecutor {
    private final HostOverheadBench.PackingExecutor packing;
    private final int vocab;
    private final long stepNanos;
    private final long tokenNanos;
    private final Wait wait;
    private long random = 0x9E3779B97F4A7C15L;

    TimedExecutor(
        int tokens,
        int seqs,
        int width,
        int blockSize,
        int vocab,
        long stepNanos,
        long tokenNanos,
        Wait wait) {
      this.packing = new HostOverheadBench.PackingExecutor(tokens, seqs, width, blockSize);
      this.vocab = vocab;
      this.stepNanos = stepNanos;
      this.tokenNanos = tokenNanos;
      this.wait = wait;
    }

    @Override
    public void execute(ScheduledBatch step, StepResult result) {
      packing.execute(step, result);
      long start = System.nanoTime();
      long end = start + stepNanos + tokenNanos * step.tokens();
      for (int row = 0; row < packing.layout.logitRows; row++) {
        random ^= random << 13; // xorshift: cheap ids spread over the vocabulary
        random ^= random >>> 7;
        random ^= random << 17;
        result.tokens[packing.layout.entryOfRow[row]] = (int) Math.floorMod(random, (long) vocab);
      }
      for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
        if (wait == Wait.SLEEP) {
          LockSupport.parkNanos(left);
        } else {
          Thread.onSpinWait();
        }
      }
      result.deviceNanos = System.nanoTime() - start;
    }

    @Override
    public void close() {}
  }
}
