package dev.kernelj.ops;

/**
 * What a {@link TokenSampler} needs to draw one row's next token.
 *
 * @param params the filters, temperature and penalties
 * @param seed the row's Philox key: the same seed, logits and step draw the same token, alone or in
 *     any batch
 * @param step the row's random counter, usually the tokens its sequence has generated so far, so
 *     every draw of a sequence uses fresh random numbers and a rerun draws the same ones (0 to 2^31
 *     - 1)
 * @param history the tokens the penalties count (prompt, then generated), in {@code history[0,
 *     historyLength)}; the array is read when the row is prepared, not kept
 * @param historyLength tokens of {@code history} to count
 * @param logprobs -1 for no logprobs; else the sampled token's log-probability and this many of the
 *     most likely tokens' (at most the sampler's {@link TokenSampler.Shape#maxTopLogprobs})
 */
public record SampleRow(
    SamplingParams params, long seed, int step, int[] history, int historyLength, int logprobs) {
  private static final int[] NONE = new int[0];

  /** The greedy row a padding slot of a batch gets; its token is never read. */
  public static final SampleRow PADDING = of(SamplingParams.greedy(), 0, 0);

  public SampleRow {
    if (params == null) {
      throw new IllegalArgumentException("sample row without sampling params");
    }
    if (step < 0) {
      throw new IllegalArgumentException("sampling step " + step + " must be >= 0");
    }
    history = history == null ? NONE : history;
    if (historyLength < 0 || historyLength > history.length) {
      throw new IllegalArgumentException(
          "history length " + historyLength + " of an array of " + history.length);
    }
    if (logprobs < -1) {
      throw new IllegalArgumentException(
          "logprobs " + logprobs + ": -1 for none, else the alternatives wanted (>= 0)");
    }
  }

  /** A row without history and logprobs. */
  public static SampleRow of(SamplingParams params, long seed, int step) {
    return new SampleRow(params, seed, step, NONE, 0, -1);
  }

  /** This row counting {@code tokens[0, length)} for its penalties. */
  public SampleRow withHistory(int[] tokens, int length) {
    return new SampleRow(params, seed, step, tokens, length, logprobs);
  }

  /** This row with the sampled token's logprob and {@code alternatives} top logprobs. */
  public SampleRow withLogprobs(int alternatives) {
    return new SampleRow(params, seed, step, history, historyLength, alternatives);
  }

  /** Whether the penalties change a logit (so the history must reach the sampler). */
  public boolean penalized() {
    return !params.penaltiesAreNeutral() && historyLength > 0;
  }

  /** Whether the row asked for logprobs. */
  public boolean wantsLogprobs() {
    return logprobs >= 0;
  }
}
