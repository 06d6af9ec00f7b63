package dev.kernelj.llm.engine;

/**
 * Timings of one {@link Engine#generate} call (wall clock on the host; the engine waits for the
 * device each step, so these are device times as seen by the caller).
 *
 * @param sequences sequences in the batch
 * @param promptTokens prompt tokens over all sequences
 * @param generatedTokens tokens generated over all sequences
 * @param prefillNanos time to prefill every prompt
 * @param firstTokenNanos from the call to the first generated token of the batch (time to first
 *     token)
 * @param decodeSteps decode steps run (each produces one token per live sequence)
 * @param decodeNanos time of all decode steps
 */
public record GenerationStats(
    int sequences,
    long promptTokens,
    long generatedTokens,
    long prefillNanos,
    long firstTokenNanos,
    int decodeSteps,
    long decodeNanos) {
  /** Prompt tokens per second of prefill. */
  public double prefillTokensPerSecond() {
    return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
  }

  /** Decode steps per second: the tokens per second one stream sees. */
  public double decodeTokensPerSecondPerStream() {
    return decodeNanos == 0 ? 0 : decodeSteps * 1e9 / decodeNanos;
  }

  /** Tokens per second over the whole batch during decode. */
  public double decodeTokensPerSecondTotal() {
    return decodeNanos == 0 ? 0 : (generatedTokens - sequences) * 1e9 / decodeNanos;
  }
}
