package dev.kernelj.ops.kernels.sampling;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Dim3;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.I64;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.kernels.LaunchChecks;
import java.util.Objects;

/**
 * Sampling on the device through {@link SamplingKernels}: penalties, then one token per row
 * (greedy, temperature, top-k, top-p, min-p, seeded), and top-N log-probabilities. The Java twin is
 * {@link SamplingReference}.
 *
 * <p>Per-row parameters live in device arrays of length {@code batch} (so a captured CUDA graph
 * keeps working when they change): {@code temperature}, {@code topK}, {@code topP}, {@code minP}
 * (f32/i32), {@code seeds} (i64), {@code steps} (i32, the decode step: the random counter). Logits
 * are {@code [batch, vocab]} f32.
 */
public final class Sampling {
  private static final String OP = "Sampling";

  private final SamplingKernels kernels;

  /**
   * @param kernels the loaded kernels, e.g. {@code SamplingKernelsLauncher.load(context)}
   */
  public Sampling(SamplingKernels kernels) {
    this.kernels = Objects.requireNonNull(kernels, "kernels");
  }

  /** One block per row. */
  public static Launch rowLaunch(int batch, int threads, StreamRef stream) {
    LaunchChecks.positive(OP, "batch", batch);
    return new Launch(Dim3.of(batch), Dim3.of(threads), 0, stream);
  }

  /**
   * Applies repetition/presence/frequency penalties in place for the distinct tokens of each row's
   * history {@code [batch, maxHistory]} (first {@code historyLens[b]} entries). {@code counts} is
   * {@code [batch, vocab]} int32 scratch that must be zeroed once when allocated; the kernel leaves
   * it zeroed.
   */
  public void applyPenalties(
      StreamRef stream,
      Ptr<F32> logits,
      ConstPtr<I32> history,
      ConstPtr<I32> historyLens,
      Ptr<I32> counts,
      ConstPtr<F32> repetition,
      ConstPtr<F32> presence,
      ConstPtr<F32> frequency,
      int batch,
      int vocab,
      int maxHistory) {
    LaunchChecks.positive(OP, "vocab", vocab);
    LaunchChecks.positive(OP, "maxHistory", maxHistory);
    LaunchChecks.pointer(OP, "logits", logits, DType.F32);
    LaunchChecks.pointer(OP, "history", history, DType.I32);
    LaunchChecks.pointer(OP, "historyLens", historyLens, DType.I32);
    LaunchChecks.pointer(OP, "counts", counts, DType.I32);
    LaunchChecks.pointer(OP, "repetition", repetition, DType.F32);
    LaunchChecks.pointer(OP, "presence", presence, DType.F32);
    LaunchChecks.pointer(OP, "frequency", frequency, DType.F32);
    kernels.applyPenalties(
        rowLaunch(batch, SamplingKernels.PENALTY_THREADS, stream),
        logits,
        history,
        historyLens,
        counts,
        repetition,
        presence,
        frequency,
        vocab,
        maxHistory);
  }

  /**
   * {@link #applyPenalties} with the per-row arrays of a {@link SamplingRows} block: its history
   * lengths and penalties.
   */
  public void applyPenalties(
      StreamRef stream,
      Ptr<F32> logits,
      ConstPtr<I32> history,
      Ptr<I32> counts,
      SamplingRows.Pointers rows,
      int batch,
      int vocab,
      int maxHistory) {
    applyPenalties(
        stream,
        logits,
        history,
        rows.historyLens(),
        counts,
        rows.repetition(),
        rows.presence(),
        rows.frequency(),
        batch,
        vocab,
        maxHistory);
  }

  /** {@link #sample} with the per-row arrays of a {@link SamplingRows} block. */
  public void sample(
      StreamRef stream,
      ConstPtr<F32> logits,
      int batch,
      int vocab,
      SamplingRows.Pointers rows,
      Ptr<I32> outTokens) {
    sample(
        stream,
        logits,
        batch,
        vocab,
        rows.temperature(),
        rows.topK(),
        rows.topP(),
        rows.minP(),
        rows.seeds(),
        rows.steps(),
        outTokens);
  }

  /** Draws one token per row into {@code outTokens [batch]}. */
  public void sample(
      StreamRef stream,
      ConstPtr<F32> logits,
      int batch,
      int vocab,
      ConstPtr<F32> temperature,
      ConstPtr<I32> topK,
      ConstPtr<F32> topP,
      ConstPtr<F32> minP,
      ConstPtr<I64> seeds,
      ConstPtr<I32> steps,
      Ptr<I32> outTokens) {
    LaunchChecks.positive(OP, "vocab", vocab);
    LaunchChecks.pointer(OP, "logits", logits, DType.F32);
    LaunchChecks.pointer(OP, "temperature", temperature, DType.F32);
    LaunchChecks.pointer(OP, "topK", topK, DType.I32);
    LaunchChecks.pointer(OP, "topP", topP, DType.F32);
    LaunchChecks.pointer(OP, "minP", minP, DType.F32);
    LaunchChecks.pointer(OP, "seeds", seeds, DType.I64);
    LaunchChecks.pointer(OP, "steps", steps, DType.I32);
    LaunchChecks.pointer(OP, "outTokens", outTokens, DType.I32);
    kernels.sampleTokens(
        rowLaunch(batch, SamplingKernels.THREADS, stream),
        logits,
        vocab,
        temperature,
        topK,
        topP,
        minP,
        seeds,
        steps,
        outTokens);
  }

  /**
   * The n best tokens of each row, best first, into {@code ids [batch, n]} and {@code logprobs
   * [batch, n]}.
   */
  public void topLogprobs(
      StreamRef stream,
      ConstPtr<F32> logits,
      int batch,
      int vocab,
      int n,
      Ptr<I32> ids,
      Ptr<F32> logprobs) {
    LaunchChecks.positive(OP, "vocab", vocab);
    if (n < 1 || n > vocab || n > SamplingKernels.MAX_TOP_LOGPROBS) {
      throw new IllegalArgumentException(
          OP
              + ": n must be in [1, min(vocab "
              + vocab
              + ", "
              + SamplingKernels.MAX_TOP_LOGPROBS
              + ")], got "
              + n);
    }
    LaunchChecks.pointer(OP, "logits", logits, DType.F32);
    LaunchChecks.pointer(OP, "ids", ids, DType.I32);
    LaunchChecks.pointer(OP, "logprobs", logprobs, DType.F32);
    kernels.topLogprobs(
        rowLaunch(batch, SamplingKernels.THREADS, stream), logits, vocab, n, ids, logprobs);
  }

  /** The log-probability of {@code tokens[b]} in row {@code b}, into {@code logprobs [batch]}. */
  public void tokenLogprobs(
      StreamRef stream,
      ConstPtr<F32> logits,
      int batch,
      int vocab,
      ConstPtr<I32> tokens,
      Ptr<F32> logprobs) {
    LaunchChecks.positive(OP, "vocab", vocab);
    LaunchChecks.pointer(OP, "logits", logits, DType.F32);
    LaunchChecks.pointer(OP, "tokens", tokens, DType.I32);
    LaunchChecks.pointer(OP, "logprobs", logprobs, DType.F32);
    kernels.tokenLogprobs(
        rowLaunch(batch, SamplingKernels.THREADS, stream), logits, vocab, tokens, logprobs);
  }
}
