package dev.kernelj.llm.server.serial;

import dev.kernelj.llm.serving.TokenLogprob;
import dev.kernelj.ops.kernels.sampling.SamplingReference;
import java.util.Arrays;

/** Log-probabilities from one row of raw logits, as OpenAI reports them (before any sampling). */
final class Logprobs {
  private Logprobs() {}

  /**
   * The logprob of {@code token} and the {@code top} most likely tokens of {@code logits[offset,
   * offset + vocab)}.
   */
  static TokenLogprob of(float[] logits, int offset, int vocab, int token, int top) {
    float[] row = Arrays.copyOfRange(logits, offset, offset + vocab);
    SamplingReference.TopLogprobs best =
        SamplingReference.topLogprobs(row, 1, vocab, Math.max(1, Math.min(top, vocab)));
    // The best token's logprob is its logit minus log Z: that gives log Z for the chosen one.
    double logZ = (double) row[best.ids()[0]] - best.logprobs()[0];
    float chosen = (float) (row[token] - logZ);
    return top == 0
        ? new TokenLogprob(token, chosen, new int[0], new float[0])
        : new TokenLogprob(token, chosen, best.ids(), best.logprobs());
  }
}
