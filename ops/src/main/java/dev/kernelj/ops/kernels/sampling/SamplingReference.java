package dev.kernelj.ops.kernels.sampling;

import dev.kernelj.ops.kernels.LaunchChecks;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The Java twin of {@link SamplingKernels}: the same penalties, filters and draw on arrays. For the
 * same logits, parameters, seed and step it returns the same token as the device, because both
 * compute the integer weights of {@link ReproducibleWeights} and the uniform bits of {@link Philox}
 * identically and do the rest in exact integer arithmetic. Rows are independent and run in
 * parallel.
 */
public final class SamplingReference {
  private static final String OP = "Sampling";

  private SamplingReference() {}

  /**
   * The n best tokens of each row, best first, with their log-softmax values ({@code [batch, n]}
   * each).
   */
  public record TopLogprobs(int[] ids, float[] logprobs) {}

  /**
   * Repetition, presence and frequency penalties, in place, once per distinct token of each row's
   * history (its first {@code historyLens[b]} entries; ids outside the vocabulary are ignored).
   */
  public static void applyPenalties(
      float[] logits,
      int batch,
      int vocab,
      int[] history,
      int[] historyLens,
      int maxHistory,
      float[] repetition,
      float[] presence,
      float[] frequency) {
    LaunchChecks.length(OP, "logits", logits.length, (long) batch * vocab);
    LaunchChecks.length(OP, "history", history.length, (long) batch * maxHistory);
    LaunchChecks.length(OP, "historyLens", historyLens.length, batch);
    LaunchChecks.length(OP, "repetition", repetition.length, batch);
    LaunchChecks.length(OP, "presence", presence.length, batch);
    LaunchChecks.length(OP, "frequency", frequency.length, batch);
    IntStream.range(0, batch)
        .parallel()
        .forEach(
            b -> {
              int len = Math.min(historyLens[b], maxHistory);
              int[] counts = new int[vocab];
              for (int i = 0; i < len; i++) {
                int token = history[b * maxHistory + i];
                if (token >= 0 && token < vocab) {
                  counts[token]++;
                }
              }
              for (int token = 0; token < vocab; token++) {
                if (counts[token] > 0) {
                  int at = b * vocab + token;
                  float x = logits[at];
                  x = x > 0f ? x / repetition[b] : x * repetition[b];
                  x = x - (presence[b] + frequency[b] * (float) counts[token]);
                  logits[at] = x;
                }
              }
            });
  }

  /** One token per row; see {@link SamplingKernels} for the semantics of each parameter. */
  public static int[] sample(
      float[] logits,
      int batch,
      int vocab,
      float[] temperature,
      int[] topK,
      float[] topP,
      float[] minP,
      long[] seeds,
      int[] steps) {
    LaunchChecks.length(OP, "logits", logits.length, (long) batch * vocab);
    LaunchChecks.length(OP, "temperature", temperature.length, batch);
    LaunchChecks.length(OP, "topK", topK.length, batch);
    LaunchChecks.length(OP, "topP", topP.length, batch);
    LaunchChecks.length(OP, "minP", minP.length, batch);
    LaunchChecks.length(OP, "seeds", seeds.length, batch);
    LaunchChecks.length(OP, "steps", steps.length, batch);
    return IntStream.range(0, batch)
        .parallel()
        .map(
            b ->
                sampleRow(
                    logits,
                    b * vocab,
                    vocab,
                    temperature[b],
                    topK[b],
                    topP[b],
                    minP[b],
                    seeds[b],
                    steps[b]))
        .toArray();
  }

  /**
   * The token the device draws for one row starting at {@code offset}, or {@link
   * SamplingKernels#NON_FINITE} / {@link SamplingKernels#ALL_MASKED} for a row nothing can be drawn
   * from.
   */
  public static int sampleRow(
      float[] logits,
      int offset,
      int vocab,
      float temperature,
      int topK,
      float topP,
      float minP,
      long seed,
      int step) {
    LaunchChecks.positive(OP, "vocab", vocab);
    int best = -1;
    float bestValue = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      float x = logits[offset + i];
      if (Float.isNaN(x) || x == Float.POSITIVE_INFINITY) {
        return SamplingKernels.NON_FINITE;
      }
      if (x > bestValue) {
        bestValue = x;
        best = i;
      }
    }
    if (best < 0) {
      return SamplingKernels.ALL_MASKED;
    }
    if (temperature <= 0f || Float.isInfinite(bestValue / temperature)) {
      return best;
    }
    float maxScaled = bestValue / temperature;
    long[] w = new long[vocab];
    for (int i = 0; i < vocab; i++) {
      w[i] = ReproducibleWeights.weight(logits[offset + i], temperature, maxScaled);
    }
    long threshold = keepThreshold(w, topK, topP, minP);
    long total = 0;
    for (long x : w) {
      total += x >= threshold ? x : 0;
    }
    long r = Philox.bits24(seed, step);
    long target = (Math.multiplyHigh(total, r) << 40) | ((total * r) >>> 24);
    long running = 0;
    for (int i = 0; i < vocab; i++) {
      if (w[i] >= threshold) {
        running += w[i];
        if (running > target) {
          return i;
        }
      }
    }
    throw new IllegalStateException(
        OP + ": no token drawn (total " + total + ", target " + target + ")");
  }

  /**
   * The smallest weight kept after top-k, top-p and min-p (at least 1: weight 0 is never drawn).
   */
  static long keepThreshold(long[] w, int topK, float topP, float minP) {
    long[] sorted = w.clone();
    Arrays.sort(sorted); // ascending; read from the end
    int n = sorted.length;
    long topKThreshold = topK > 0 && topK < n ? sorted[n - topK] : 0;
    long threshold = Math.max(1, topKThreshold);
    if (topP > 0f && topP < 1f) {
      long kept = 0;
      for (long x : w) {
        kept += x >= topKThreshold ? x : 0;
      }
      long need = (long) Math.ceil((double) topP * (double) kept);
      long acc = 0;
      for (int i = n - 1; i >= 0 && need > 0; i--) {
        if (sorted[i] < topKThreshold || sorted[i] == 0) {
          break;
        }
        acc += sorted[i];
        if (acc >= need) {
          threshold = Math.max(threshold, sorted[i]);
          break;
        }
      }
    }
    if (minP > 0f) {
      double bound = Math.ceil((double) minP * 2147483648.0);
      threshold = Math.max(threshold, (long) Math.min(bound, 2147483648.0));
    }
    return threshold;
  }

  /** The n best tokens of each row with log-softmax values; ties go to the lower index. */
  public static TopLogprobs topLogprobs(float[] logits, int batch, int vocab, int n) {
    LaunchChecks.length(OP, "logits", logits.length, (long) batch * vocab);
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
    int[] ids = new int[batch * n];
    float[] values = new float[batch * n];
    IntStream.range(0, batch)
        .parallel()
        .forEach(
            b -> {
              int off = b * vocab;
              double logZ = logSumExp(logits, off, vocab);
              Integer[] order = IntStream.range(0, vocab).boxed().toArray(Integer[]::new);
              Arrays.sort(
                  order,
                  Comparator.<Integer>comparingDouble(i -> -logits[off + i])
                      .thenComparingInt(i -> i));
              for (int j = 0; j < n; j++) {
                ids[b * n + j] = order[j];
                values[b * n + j] = (float) (logits[off + order[j]] - logZ);
              }
            });
    return new TopLogprobs(ids, values);
  }

  /**
   * Twin of {@code token_logprobs}: the log-softmax value of {@code tokens[b]} in row {@code b}
   * (NaN for an id outside the vocabulary), in f64 like {@link #topLogprobs}.
   */
  public static float[] tokenLogprobs(float[] logits, int batch, int vocab, int[] tokens) {
    LaunchChecks.length(OP, "logits", logits.length, (long) batch * vocab);
    LaunchChecks.length(OP, "tokens", tokens.length, batch);
    float[] out = new float[batch];
    for (int b = 0; b < batch; b++) {
      int token = tokens[b];
      out[b] =
          token >= 0 && token < vocab
              ? (float) (logits[b * vocab + token] - logSumExp(logits, b * vocab, vocab))
              : Float.NaN;
    }
    return out;
  }

  /** {@code log(sum(exp(row)))} of {@code logits[off, off + vocab)}, around the row's max. */
  private static double logSumExp(float[] logits, int off, int vocab) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[off + i]);
    }
    double z = 0;
    for (int i = 0; i < vocab; i++) {
      z += Math.exp(logits[off + i] - max);
    }
    return max + Math.log(z);
  }
}
