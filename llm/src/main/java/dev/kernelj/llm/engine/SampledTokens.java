package dev.kernelj.llm.engine;

import dev.kernelj.ops.kernels.sampling.SamplingKernels;

/**
 * Turns the sampler's mark on a row it could not draw from into an error naming the sequence and
 * the step. Both backends' samplers mark such rows the same way ({@link SamplingKernels#NON_FINITE}
 * for NaN or infinite logits, {@link SamplingKernels#ALL_MASKED} when every logit is -infinity), so
 * a step finds out from the ids it reads back anyway, without reading the logits; the sampler never
 * throws for such a row, so the other rows of its step keep their tokens.
 */
public final class SampledTokens {
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
    throw new EngineException(markProblem(token, where));
  }

  /**
   * Why {@code token} cannot be a sampled token of a vocabulary of {@code vocabSize} ({@code where}
   * names the row for the message, e.g. "request 7, token 3"), or null when it can.
   */
  public static String problem(int token, int vocabSize, String where) {
    if (token >= 0 && token < vocabSize) {
      return null;
    }
    if (token == SamplingKernels.ALL_MASKED || token == SamplingKernels.NON_FINITE) {
      return markProblem(token, where);
    }
    return where + ": the sampler drew token " + token + ", outside the vocabulary of " + vocabSize;
  }

  private static String markProblem(int token, String where) {
    if (token == SamplingKernels.ALL_MASKED) {
      return "every logit of " + where + " is -infinity: no token can be drawn";
    }
    return "the logits of "
        + where
        + " hold NaN or infinity: the model computes non-finite values; check its weights"
        + " (NaN or infinite entries, or values that overflow the activation dtype)";
  }
}
