package dev.kernelj.ops.backend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One {@link SamplingParams} spread over the rows of a batch as the per-row arrays that the
 * sampling kernels and their Java twin take, so both backends feed them the same numbers. Row
 * {@code b} draws with the key {@code seed + b * 0x9E3779B97F4A7C15} (the golden-ratio step of
 * SplitMix), so rows of one call get independent streams and row 0 uses {@code seed} itself.
 *
 * <p>On the device the arrays lie in one block: the i64 seeds first (8-byte aligned), then nine
 * 4-byte arrays in the order of {@link #encode}.
 */
record SamplingRows(
    int batch,
    float[] temperature,
    int[] topK,
    float[] topP,
    float[] minP,
    float[] repetition,
    float[] presence,
    float[] frequency,
    long[] seeds,
    int[] steps,
    int[] historyLens) {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  /** Index of each 4-byte array after the seeds, in {@link #encode} order. */
  static final int TEMPERATURE = 0,
      TOP_K = 1,
      TOP_P = 2,
      MIN_P = 3,
      REPETITION = 4,
      PRESENCE = 5,
      FREQUENCY = 6,
      STEPS = 7,
      HISTORY_LENS = 8;

  static SamplingRows of(SamplingParams p, int batch, int historyLen, long seed, long step) {
    long[] seeds = new long[batch];
    for (int b = 0; b < batch; b++) {
      seeds[b] = seed + b * GOLDEN_GAMMA;
    }
    return new SamplingRows(
        batch,
        filled(batch, p.temperature()),
        filledInts(batch, p.topK()),
        filled(batch, p.topP()),
        filled(batch, p.minP()),
        filled(batch, p.repetitionPenalty()),
        filled(batch, p.presencePenalty()),
        filled(batch, p.frequencyPenalty()),
        seeds,
        filledInts(batch, Math.toIntExact(step)),
        filledInts(batch, historyLen));
  }

  /** Bytes of the device block for {@code batch} rows. */
  static long bytes(int batch) {
    return 8L * batch + 4L * 9 * batch;
  }

  /** Byte offset of 4-byte array {@code index} in the device block. */
  static long offset(int batch, int index) {
    return 8L * batch + 4L * index * batch;
  }

  /** Writes the device block, little-endian, from {@code dst}'s index 0. */
  void encode(ByteBuffer dst) {
    ByteBuffer b = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    b.clear();
    for (long s : seeds) b.putLong(s);
    for (float x : temperature) b.putFloat(x);
    for (int x : topK) b.putInt(x);
    for (float x : topP) b.putFloat(x);
    for (float x : minP) b.putFloat(x);
    for (float x : repetition) b.putFloat(x);
    for (float x : presence) b.putFloat(x);
    for (float x : frequency) b.putFloat(x);
    for (int x : steps) b.putInt(x);
    for (int x : historyLens) b.putInt(x);
  }

  private static float[] filled(int n, float v) {
    float[] a = new float[n];
    Arrays.fill(a, v);
    return a;
  }

  private static int[] filledInts(int n, int v) {
    int[] a = new int[n];
    Arrays.fill(a, v);
    return a;
  }
}
