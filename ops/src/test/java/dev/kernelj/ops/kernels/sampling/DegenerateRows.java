package dev.kernelj.ops.kernels.sampling;

import java.util.Random;

/**
 * Rows of logits no distribution can be drawn from, or only barely, with the parameters to sample
 * them: NaN or +infinity somewhere, all -infinity, some -infinity, a temperature whose {@code logit
 * / T} overflows, huge logits. Shared by the reference test and its GPU twin.
 */
final class DegenerateRows {
  /** Rows in order: NaN, +inf, all -inf, partly -inf, tiny T, huge logits, -inf and NaN. */
  static final int ROWS = 7;

  /** What {@link SamplingReference} must return for each row (-3: any valid, non-masked id). */
  static final int[] EXPECTED = {
    SamplingKernels.NON_FINITE,
    SamplingKernels.NON_FINITE,
    SamplingKernels.ALL_MASKED,
    -3,
    -3,
    -3,
    SamplingKernels.NON_FINITE
  };

  final float[] logits;
  final float[] temperature = {0.8f, 0.8f, 0.8f, 0.8f, 1e-38f, 0.5f, 0f};
  final int[] topK = {0, 0, 0, 5, 0, 0, 0};
  final float[] topP = {1f, 1f, 1f, 0.9f, 1f, 0.9f, 1f};
  final float[] minP = {0f, 0f, 0f, 0f, 0f, 0.1f, 0f};
  final long[] seeds;
  final int vocab;

  DegenerateRows(int vocab, Random random) {
    this.vocab = vocab;
    logits = new float[ROWS * vocab];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (random.nextGaussian() * 3);
    }
    logits[random.nextInt(vocab)] = Float.NaN;
    logits[vocab + random.nextInt(vocab)] = Float.POSITIVE_INFINITY;
    java.util.Arrays.fill(logits, 2 * vocab, 3 * vocab, Float.NEGATIVE_INFINITY);
    for (int i = 3 * vocab; i < 4 * vocab; i += 2) {
      logits[i] = Float.NEGATIVE_INFINITY;
    }
    logits[3 * vocab + vocab - 1] = 1f; // at least one finite logit even when vocab is 1
    for (int i = 5 * vocab; i < 6 * vocab; i++) {
      logits[i] = random.nextBoolean() ? 3e38f : -3e38f;
    }
    java.util.Arrays.fill(logits, 6 * vocab, 7 * vocab, Float.NEGATIVE_INFINITY);
    logits[6 * vocab + random.nextInt(vocab)] = Float.NaN;
    seeds = random.longs(ROWS).toArray();
  }

  int[] steps(int step) {
    int[] steps = new int[ROWS];
    java.util.Arrays.fill(steps, step);
    return steps;
  }

  int[] sampleOnTheHost(int step) {
    return SamplingReference.sample(
        logits, ROWS, vocab, temperature, topK, topP, minP, seeds, steps(step));
  }
}
