package dev.kernelj.ops.reference;

import dev.kernelj.ops.Residency;
import dev.kernelj.ops.SamplingParams;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.sampling.SamplingChecks;
import dev.kernelj.ops.kernels.sampling.SamplingReference;
import dev.kernelj.ops.kernels.sampling.SamplingRows;

/**
 * The sampling ops of {@link ReferenceOps}: the Java twin of the sampling kernels on host tensors.
 */
final class SamplingOps {
  private SamplingOps() {}

  static void sample(
      Tensor out, Tensor logits, Tensor history, SamplingParams params, long seed, long step) {
    SamplingChecks.Sample s = SamplingChecks.sample(out, logits, history, params, step);
    Residency.requireHost("sample", "out,logits", out, logits);
    if (history != null) {
      Residency.requireHost("sample", "history", history);
    }
    SamplingRows rows = SamplingRows.of(params, s.batch(), s.historyLen(), seed, step);
    float[] values = logits.toFloatArray(); // a copy: penalties must not change the caller's logits
    if (history != null && s.historyLen() > 0 && !params.penaltiesAreNeutral()) {
      SamplingReference.applyPenalties(
          values,
          s.batch(),
          s.vocab(),
          TensorArrays.ints(history),
          rows.historyLens(),
          s.historyLen(),
          rows.repetition(),
          rows.presence(),
          rows.frequency());
    }
    int[] tokens =
        SamplingReference.sample(
            values,
            s.batch(),
            s.vocab(),
            rows.temperature(),
            rows.topK(),
            rows.topP(),
            rows.minP(),
            rows.seeds(),
            rows.steps());
    TensorArrays.storeInts(out, tokens);
  }

  static void topLogprobs(Tensor ids, Tensor logprobs, Tensor logits) {
    SamplingChecks.Top t = SamplingChecks.topLogprobs(ids, logprobs, logits);
    Residency.requireHost("topLogprobs", "ids,logprobs,logits", ids, logprobs, logits);
    SamplingReference.TopLogprobs top =
        SamplingReference.topLogprobs(TensorArrays.floats(logits), t.batch(), t.vocab(), t.n());
    TensorArrays.storeInts(ids, top.ids());
    TensorArrays.store(logprobs, top.logprobs());
  }

  static void tokenLogprobs(Tensor logprobs, Tensor logits, Tensor tokens) {
    int batch = SamplingChecks.tokenLogprobs(logprobs, logits, tokens);
    Residency.requireHost("tokenLogprobs", "logprobs,logits,tokens", logprobs, logits, tokens);
    float[] values =
        SamplingReference.tokenLogprobs(
            TensorArrays.floats(logits), batch, logits.dim(1), TensorArrays.ints(tokens));
    TensorArrays.store(logprobs, values);
  }
}
