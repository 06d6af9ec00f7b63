package dev.kernelj.ops;

/**
 * Sampling settings for {@link Ops#sample}, applied in this order: penalties over the history,
 * temperature, top-k, top-p (over what top-k kept), min-p. See {@link
 * dev.kernelj.ops.kernels.sampling.SamplingKernels} for the exact rules.
 *
 * @param temperature divides the logits; 0 for greedy (argmax, lowest index on ties)
 * @param topK keep the k most likely tokens (ties at the threshold kept); 0 for all
 * @param topP keep the smallest set of most likely tokens whose probability reaches p; 1 for all
 * @param minP drop tokens below {@code minP * p(max)}; 0 for none
 * @param repetitionPenalty HF-style, once per distinct seen token: positive logits divided by it,
 *     negative ones multiplied; 1 for none
 * @param presencePenalty subtracted once from the logit of every distinct seen token; 0 for none
 * @param frequencyPenalty subtracted from a seen token's logit once per occurrence; 0 for none
 */
public record SamplingParams(
    float temperature,
    int topK,
    float topP,
    float minP,
    float repetitionPenalty,
    float presencePenalty,
    float frequencyPenalty) {
  public SamplingParams {
    if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "sampling: temperature " + temperature + " must be finite and >= 0 (0 is greedy)");
    }
    if (topK < 0) {
      throw new IllegalArgumentException(
          "sampling: topK " + topK + " must be >= 0 (0 keeps every token)");
    }
    if (!(topP > 0f && topP <= 1f)) {
      throw new IllegalArgumentException(
          "sampling: topP " + topP + " must be in (0, 1] (1 keeps every token)");
    }
    if (!(minP >= 0f && minP < 1f)) {
      throw new IllegalArgumentException(
          "sampling: minP " + minP + " must be in [0, 1) (0 keeps every token)");
    }
    if (!(repetitionPenalty > 0f) || Float.isInfinite(repetitionPenalty)) {
      throw new IllegalArgumentException(
          "sampling: repetitionPenalty "
              + repetitionPenalty
              + " must be finite and > 0 (1 for none)");
    }
    if (!Float.isFinite(presencePenalty) || !Float.isFinite(frequencyPenalty)) {
      throw new IllegalArgumentException(
          "sampling: presencePenalty "
              + presencePenalty
              + " and frequencyPenalty "
              + frequencyPenalty
              + " must be finite (0 for none)");
    }
  }

  /** Argmax, no penalties. */
  public static SamplingParams greedy() {
    return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f);
  }

  /** Temperature and filters, no penalties. */
  public static SamplingParams of(float temperature, int topK, float topP, float minP) {
    return new SamplingParams(temperature, topK, topP, minP, 1f, 0f, 0f);
  }

  /** These settings with penalties. */
  public SamplingParams withPenalties(float repetition, float presence, float frequency) {
    return new SamplingParams(temperature, topK, topP, minP, repetition, presence, frequency);
  }

  /** Whether the penalties leave every logit as it is (so the history need not be read). */
  public boolean penaltiesAreNeutral() {
    return repetitionPenalty == 1f && presencePenalty == 0f && frequencyPenalty == 0f;
  }
}
