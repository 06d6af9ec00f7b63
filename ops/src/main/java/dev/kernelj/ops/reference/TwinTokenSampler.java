package dev.kernelj.ops.reference;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.SampleRow;
import dev.kernelj.ops.Shape;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TokenSampler;
import dev.kernelj.ops.kernels.sampling.SamplingChecks;
import dev.kernelj.ops.kernels.sampling.SamplingReference;
import dev.kernelj.ops.kernels.sampling.SamplingRows;
import java.util.List;

/**
 * The {@link TokenSampler} of the reference backend: the sampling kernels' Java twin over all rows
 * at once, with the same per-row settings, seeds and steps ({@link SamplingRows}) as the CUDA
 * sampler's device block, so both draw the same tokens. It computes as it is called; there is
 * nothing to capture.
 */
final class TwinTokenSampler implements TokenSampler {
  private final Shape shape;
  private final Tensor sampled; // I32 [capacity]
  private final Tensor sampledLogprobs; // F32 [capacity]
  private final Tensor topIds; // I32 [capacity, maxTopLogprobs], or null
  private final Tensor topLogprobs; // F32 [capacity, maxTopLogprobs], or null
  private SamplingRows rows;
  private int[] history = new int[0]; // [rows, maxHistory] of the last penalized prepare

  TwinTokenSampler(Shape shape) {
    this.shape = shape;
    int capacity = shape.capacity();
    int top = shape.maxTopLogprobs();
    this.sampled = Tensor.zeros(DType.I32, capacity);
    this.sampledLogprobs = Tensor.zeros(DType.F32, capacity);
    this.topIds = top > 0 ? Tensor.zeros(DType.I32, capacity, top) : null;
    this.topLogprobs = top > 0 ? Tensor.zeros(DType.F32, capacity, top) : null;
  }

  @Override
  public Shape shape() {
    return shape;
  }

  @Override
  public Pass prepare(List<SampleRow> given, int rowCount) {
    SamplingChecks.samplerRows(shape, given, rowCount);
    rows = new SamplingRows(rowCount);
    boolean penalized = false;
    boolean logprobs = false;
    for (int r = 0; r < given.size(); r++) {
      SampleRow row = given.get(r);
      rows.set(r, row.params(), row.seed(), row.step(), row.penalized() ? row.historyLength() : 0);
      penalized |= row.penalized();
      logprobs |= row.wantsLogprobs();
    }
    if (penalized) {
      int maxHistory = shape.maxHistory();
      history = new int[rowCount * maxHistory];
      for (int r = 0; r < given.size(); r++) {
        SampleRow row = given.get(r);
        if (row.penalized()) {
          System.arraycopy(row.history(), 0, history, r * maxHistory, row.historyLength());
        }
      }
    }
    return Pass.of(penalized, logprobs);
  }

  @Override
  public void launch(Tensor logits, Pass pass) {
    int batch = SamplingChecks.samplerLogits(shape, logits, rows == null ? -1 : rows.capacity());
    int vocab = shape.vocab();
    float[] raw = TensorArrays.floats(logits);
    float[] values = raw.clone(); // penalties must not change the caller's logits
    if (pass.penalties()) {
      SamplingReference.applyPenalties(
          values,
          batch,
          vocab,
          history,
          rows.historyLens(),
          shape.maxHistory(),
          rows.repetition(),
          rows.presence(),
          rows.frequency());
    }
    int[] tokens =
        SamplingReference.sample(
            values,
            batch,
            vocab,
            rows.temperature(),
            rows.topK(),
            rows.topP(),
            rows.minP(),
            rows.seeds(),
            rows.steps());
    System.arraycopy(tokens, 0, sampled.hostInts(), 0, batch);
    if (pass.logprobs()) {
      float[] chosen = SamplingReference.tokenLogprobs(raw, batch, vocab, tokens);
      System.arraycopy(chosen, 0, sampledLogprobs.hostFloats(), 0, batch);
      if (topIds != null) {
        int n = shape.maxTopLogprobs();
        SamplingReference.TopLogprobs top = SamplingReference.topLogprobs(raw, batch, vocab, n);
        System.arraycopy(top.ids(), 0, topIds.hostInts(), 0, batch * n);
        System.arraycopy(top.logprobs(), 0, topLogprobs.hostFloats(), 0, batch * n);
      }
    }
  }

  @Override
  public Tensor sampled() {
    return sampled;
  }

  @Override
  public Tensor sampledLogprobs() {
    return sampledLogprobs;
  }

  @Override
  public Tensor topIds() {
    return topIds;
  }

  @Override
  public Tensor topLogprobs() {
    return topLogprobs;
  }

  /** Host arrays are counted by the Java heap the engine measures, not reserved here. */
  @Override
  public long reservedBytes() {
    return 0;
  }

  @Override
  public void close() {}
}
