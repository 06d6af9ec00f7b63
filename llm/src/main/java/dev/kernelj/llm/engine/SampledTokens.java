package dev.kernelj.llm.engine;

import dev.kernelj.ops.kernels.sampling.SamplingKernels;

/**
 * Turns the sampler's mark on a row it could not draw from into an error naming the sequence and
 * the step. Both backends' samplers mark such rows the same way ({@link SamplingKernels#NON_FINITE}
 * for NaN or infinite logits, {@link SamplingKernels#ALL_MASKED} when every logit is -infinity), so
 * a step finds out from the ids it reads back anyway, without reading the logits.
 */
final class SampledTokens {
  private SampledTokens() {}

  /**
   * {@code token}, checked, as sampled for {@code s}'s next token.
   *
   * @throws EngineException when the sampler marked the row
   */
  static int checked(int token, SequenceState s) {
    if (token >= 0) {
      return token;
    }
    int step = s.generatedCount() + 1;
    String where =
        "sequence "
            + s.index
            + ", token "
            + step
            + (step == 1 ? " (after the prompt)" : " (decode step " + (step - 1) + ")");
    if (token == SamplingKernels.ALL_MASKED) {
      throw new EngineException("every logit of " + where + " is -infinity: no token can be drawn");
    }
    throw new EngineException(
        "the logits of "
            + where
            + " hold NaN or infinity: the model computes non-finite values; check its weights"
            + " (NaN or infinite entries, or values that overflow the activation dtype)");
  }
}
