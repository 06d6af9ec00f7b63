package dev.kernelj.ops.backend;

import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.sampling.SamplingReference;

/**
 * The sampling ops of {@link ReferenceOps}: the Java twin of the sampling kernels on host tensors.
 */
final class ReferenceSampling {
  private ReferenceSampling() {}

  static void sample(
      Tensor out, Tensor logits, Tensor history, SamplingParams params, long seed, long step) {
    SamplingChecks.Sample s = SamplingChecks.sample(out, logits, history, params, step);
    ReferenceOps.requireHost("sample", "out,logits", out, logits);
    if (history != null) {
      ReferenceOps.host("sample", "history", history);
    }
    SamplingRows rows = SamplingRows.of(params, s.batch(), s.historyLen(), seed, step);
    float[] values = logits.toFloatArray(); // a copy: penalties must not change the caller's logits
    if (history != null && s.historyLen() > 0 && !params.penaltiesAreNeutral()) {
      SamplingReference.applyPenalties(
          values,
          s.batch(),
          s.vocab(),
          HostArrays.ints(history),
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
    HostArrays.storeInts(out, tokens);
  }

  static void topLogprobs(Tensor ids, Tensor logprobs, Tensor logits) {
    SamplingChecks.Top t = SamplingChecks.topLogprobs(ids, logprobs, logits);
    ReferenceOps.requireHost("topLogprobs", "ids,logprobs,logits", ids, logprobs, logits);
    SamplingReference.TopLogprobs top =
        SamplingReference.topLogprobs(HostArrays.floats(logits), t.batch(), t.vocab(), t.n());
    HostArrays.storeInts(ids, top.ids());
    HostArrays.store(logprobs, top.logprobs());
  }
}
