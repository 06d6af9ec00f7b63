package dev.kernelj.llm.serving.sched;

import dev.kernelj.llm.serving.TokenLogprob;
import java.util.Arrays;

/** What one step produced, per entry of its {@link ScheduledBatch}; reused from step to step. */
public final class StepResult {
  /** The sampled token of each sampling entry. */
  public final int[] tokens;

  /** The token's logprobs where its request asked for them, else null. */
  public final TokenLogprob[] logprobs;

  /**
   * For a scored entry, the logprobs of the prompt tokens its positions predicted, in order: the
   * first is of prompt token {@code start + 1}; else null.
   */
  public final TokenLogprob[][] promptLogprobs;

  /** Time spent queueing device work and waiting for it (the rest of a step is host time). */
  public long deviceNanos;

  public StepResult(int maxSequences) {
    tokens = new int[maxSequences];
    logprobs = new TokenLogprob[maxSequences];
    promptLogprobs = new TokenLogprob[maxSequences][];
  }

  /** Forgets the last step's output. */
  public void clear(int entries) {
    Arrays.fill(logprobs, 0, entries, null);
    Arrays.fill(promptLogprobs, 0, entries, null);
    deviceNanos = 0;
  }
}
