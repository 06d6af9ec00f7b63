package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.backend.Ops;
import java.util.ArrayList;
import java.util.List;

/**
 * The sampler of the reference backend: {@link Ops#sample} row by row on host tensors, each row
 * keyed by its own seed and counted by its own step (one row per call makes the op's key exactly
 * the sequence's seed), which is what {@link CudaTokenSampler}'s kernels compute per row.
 */
final class ReferenceTokenSampler implements TokenSampler {
  private final Ops ops;
  private final Tensor sampled;
  private final List<SampleRow> rows = new ArrayList<>();

  ReferenceTokenSampler(Ops ops, int capacity) {
    this.ops = ops;
    this.sampled = ops.empty(DType.I32, capacity);
  }

  @Override
  public boolean prepare(List<SampleRow> rows, int rowCount) {
    if (rows.size() > rowCount || rowCount > sampled.numel()) {
      throw new IllegalArgumentException(
          rows.size()
              + " rows padded to "
              + rowCount
              + " do not fit the sampler's "
              + sampled.numel()
              + " rows");
    }
    this.rows.clear();
    this.rows.addAll(rows);
    while (this.rows.size() < rowCount) {
      this.rows.add(SampleRow.PADDING);
    }
    return rows.stream().anyMatch(SampleRow::penalized);
  }

  @Override
  public void launch(Tensor logits, boolean penalized) {
    if (logits.rank() != 2 || logits.dim(0) != rows.size()) {
      throw new IllegalArgumentException(
          "logits " + logits + " do not have the " + rows.size() + " prepared rows");
    }
    for (int r = 0; r < rows.size(); r++) {
      SampleRow row = rows.get(r);
      Tensor history =
          penalized && row.penalized()
              ? Tensor.fromInts(row.history(), 1, row.history().length)
              : null;
      ops.sample(
          sampled.slice(0, r, r + 1),
          logits.slice(0, r, r + 1),
          history,
          row.params(),
          row.settings().seed(),
          row.step());
    }
  }

  @Override
  public Tensor sampled() {
    return sampled;
  }

  @Override
  public void close() {
    sampled.close();
  }
}
