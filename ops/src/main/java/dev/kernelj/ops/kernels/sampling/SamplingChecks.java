package dev.kernelj.ops.kernels.sampling;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.SampleRow;
import dev.kernelj.ops.SamplingParams;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TokenSampler;
import dev.kernelj.ops.kernels.OpChecks;
import java.util.List;
import java.util.Objects;

/**
 * The tensor-level rules of {@link dev.kernelj.ops.Ops#sample}, {@link
 * dev.kernelj.ops.Ops#topLogprobs} and {@link dev.kernelj.ops.Ops#tokenLogprobs}, shared by both
 * backends.
 */
public final class SamplingChecks {
  private SamplingChecks() {}

  /** Sizes of a sample call; {@code historyLen} is 0 without a history. */
  public record Sample(int batch, int vocab, int historyLen) {}

  /** Sizes of a top-logprobs call. */
  public record Top(int batch, int vocab, int n) {}

  public static Sample sample(
      Tensor out, Tensor logits, Tensor history, SamplingParams params, long step) {
    String op = "sample";
    Objects.requireNonNull(params, "sample: params");
    logits(op, logits);
    int batch = logits.dim(0);
    shaped(op, "out", out, DType.I32, "[" + batch + "]", batch);
    int historyLen = 0;
    if (history != null) {
      if (history.dtype() != DType.I32 || history.rank() != 2 || history.dim(0) != batch) {
        throw new OpArgumentException(
            op,
            "history",
            "is "
                + history
                + " but logits has "
                + logits.shape()
                + "; I32 ["
                + batch
                + ", historyLen] expected (pad with -1)");
      }
      OpChecks.contiguous(op, "history", history);
      historyLen = history.dim(1);
    }
    if (step < 0 || step > Integer.MAX_VALUE) {
      throw new OpArgumentException(
          op, "step", "is " + step + "; the generator's counter takes 0 to 2^31 - 1");
    }
    return new Sample(batch, logits.dim(1), historyLen);
  }

  public static Top topLogprobs(Tensor ids, Tensor logprobs, Tensor logits) {
    String op = "topLogprobs";
    logits(op, logits);
    int batch = logits.dim(0);
    int vocab = logits.dim(1);
    if (ids.rank() != 2 || ids.dim(0) != batch) {
      throw new OpArgumentException(
          op,
          "ids",
          "has shape "
              + ids.shape()
              + " but logits has "
              + logits.shape()
              + "; ["
              + batch
              + ", n] expected");
    }
    int n = ids.dim(1);
    int most = Math.min(vocab, SamplingKernels.MAX_TOP_LOGPROBS);
    if (n < 1 || n > most) {
      throw new OpArgumentException(
          op,
          "ids",
          "has shape "
              + ids.shape()
              + "; n must be in [1, "
              + most
              + "] (at most the vocabulary and "
              + SamplingKernels.MAX_TOP_LOGPROBS
              + ")");
    }
    shaped(op, "ids", ids, DType.I32, "[" + batch + ", " + n + "]", batch, n);
    shaped(op, "logprobs", logprobs, DType.F32, "[" + batch + ", " + n + "]", batch, n);
    return new Top(batch, vocab, n);
  }

  /** Returns the batch of a token-logprobs call. */
  public static int tokenLogprobs(Tensor logprobs, Tensor logits, Tensor tokens) {
    String op = "tokenLogprobs";
    logits(op, logits);
    int batch = logits.dim(0);
    shaped(op, "tokens", tokens, DType.I32, "[" + batch + "]", batch);
    shaped(op, "logprobs", logprobs, DType.F32, "[" + batch + "]", batch);
    return batch;
  }

  /**
   * The rows a {@link TokenSampler} of {@code shape} is prepared with: at most {@code rowCount},
   * which fits the capacity; histories and logprob counts within the shape.
   */
  public static void samplerRows(TokenSampler.Shape shape, List<SampleRow> rows, int rowCount) {
    if (rows.size() > rowCount || rowCount < 1 || rowCount > shape.capacity()) {
      throw new IllegalArgumentException(
          rows.size()
              + " rows padded to "
              + rowCount
              + " do not fit the sampler's "
              + shape.capacity()
              + " rows");
    }
    for (int r = 0; r < rows.size(); r++) {
      SampleRow row = rows.get(r);
      if (row.penalized() && row.historyLength() > shape.maxHistory()) {
        throw new IllegalArgumentException(
            "row "
                + r
                + " has a history of "
                + row.historyLength()
                + " tokens; the sampler holds "
                + shape.maxHistory()
                + " (the engine's context)");
      }
      if (row.logprobs() > shape.maxTopLogprobs()) {
        throw new IllegalArgumentException(
            "row "
                + r
                + " asks for "
                + row.logprobs()
                + " top logprobs; the sampler was made for at most "
                + shape.maxTopLogprobs());
      }
    }
  }

  /**
   * The logits of a sampler launch: F32 {@code [prepared rows, vocab]}, contiguous; returns the row
   * count.
   */
  public static int samplerLogits(TokenSampler.Shape shape, Tensor logits, int preparedRows) {
    if (logits.dtype() != DType.F32
        || logits.rank() != 2
        || logits.dim(0) != preparedRows
        || logits.dim(1) != shape.vocab()
        || !logits.isContiguous()) {
      throw new IllegalArgumentException(
          "logits "
              + logits
              + " do not match the "
              + preparedRows
              + " prepared rows of "
              + shape.vocab()
              + " tokens (F32, contiguous)");
    }
    return preparedRows;
  }

  /** F32 [batch, vocab], contiguous, neither empty. */
  private static void logits(String op, Tensor logits) {
    if (logits.dtype() != DType.F32
        || logits.rank() != 2
        || logits.dim(0) < 1
        || logits.dim(1) < 1) {
      throw new OpArgumentException(
          op, "logits", "is " + logits + "; F32 [batch, vocab] expected, neither empty");
    }
    OpChecks.contiguous(op, "logits", logits);
  }

  private static void shaped(
      String op, String arg, Tensor t, DType dtype, String expected, int... dims) {
    if (t.dtype() != dtype) {
      throw new OpArgumentException(
          op, arg, "has dtype " + t.dtype() + "; " + dtype + " " + expected + " expected");
    }
    boolean same = t.rank() == dims.length;
    for (int i = 0; same && i < dims.length; i++) {
      same = t.dim(i) == dims[i];
    }
    if (!same) {
      throw new OpArgumentException(
          op, arg, "has shape " + t.shape() + "; " + expected + " expected");
    }
    OpChecks.contiguous(op, arg, t);
  }
}
