package dev.kernelj.llm.engine;

import dev.kernelj.ops.backend.SamplingParams;

/**
 * What the sampler needs to draw one sequence's next token.
 *
 * @param settings the sequence's sampling settings
 * @param step tokens the sequence has generated so far: the counter of its Philox stream, so that
 *     every draw of a sequence uses fresh random numbers and a rerun draws the same ones
 * @param history the tokens seen so far (prompt, then generated) for the repetition penalty; empty
 *     when the settings do not penalize
 */
record SampleRow(SamplingSettings settings, int step, int[] history) {
  private static final int[] NONE = new int[0];

  /** The greedy row a padding slot of a batch bucket gets; its token is never read. */
  static final SampleRow PADDING = new SampleRow(SamplingSettings.greedy(), 0, NONE);

  SampleRow {
    if (step < 0) {
      throw new IllegalArgumentException("sampling step " + step + " must be >= 0");
    }
    history = history == null ? NONE : history;
  }

  SamplingParams params() {
    return settings.toParams();
  }

  boolean penalized() {
    return settings.penalizes() && history.length > 0;
  }
}
