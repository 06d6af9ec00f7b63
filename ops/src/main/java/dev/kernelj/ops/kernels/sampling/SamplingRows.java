package dev.kernelj.ops.kernels.sampling;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.I64;
import dev.kernelj.ops.SamplingParams;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The per-row sampling settings of up to {@code capacity} rows, as the per-row arrays the sampling
 * kernels and their Java twin take, and the one definition of how they lie in device memory: one
 * block of {@link #words} I32 words, the i64 seeds first (8-byte aligned, low word first), then one
 * array of {@code capacity} 4-byte values per setting, in the order {@link #TEMPERATURE} ... {@link
 * #HISTORY_LENS}. Both the one-shot {@code Ops.sample} and the token samplers of both backends fill
 * rows here, so every path draws from the same numbers.
 */
public final class SamplingRows {
  /** Index of each 4-byte array after the seeds. */
  public static final int TEMPERATURE = 0,
      TOP_K = 1,
      TOP_P = 2,
      MIN_P = 3,
      REPETITION = 4,
      PRESENCE = 5,
      FREQUENCY = 6,
      STEPS = 7,
      HISTORY_LENS = 8;

  /** 4-byte arrays after the seeds. */
  public static final int ARRAYS = 9;

  /** Most top logprobs one row may ask for (the kernel's limit). */
  public static final int MAX_TOP_LOGPROBS = SamplingKernels.MAX_TOP_LOGPROBS;

  /**
   * The key step between rows of one {@code Ops.sample} call: the golden-ratio step of SplitMix, so
   * rows of one call get independent streams and row 0 uses the seed itself.
   */
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private final int capacity;
  private final float[] temperature;
  private final int[] topK;
  private final float[] topP;
  private final float[] minP;
  private final float[] repetition;
  private final float[] presence;
  private final float[] frequency;
  private final long[] seeds;
  private final int[] steps;
  private final int[] historyLens;

  /** Rows 0 to {@code capacity - 1}, all greedy with no penalties until set. */
  public SamplingRows(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("sampling rows: capacity " + capacity + " must be >= 1");
    }
    this.capacity = capacity;
    temperature = new float[capacity];
    topK = new int[capacity];
    topP = new float[capacity];
    minP = new float[capacity];
    repetition = new float[capacity];
    presence = new float[capacity];
    frequency = new float[capacity];
    seeds = new long[capacity];
    steps = new int[capacity];
    historyLens = new int[capacity];
    SamplingParams greedy = SamplingParams.greedy();
    for (int r = 0; r < capacity; r++) {
      set(r, greedy, 0, 0, 0);
    }
  }

  /**
   * The rows of one {@code Ops.sample} call: every row with {@code p}, {@code historyLen} and
   * {@code step}; row {@code b} keyed by {@code seed + b * 0x9E3779B97F4A7C15}.
   */
  public static SamplingRows of(SamplingParams p, int batch, int historyLen, long seed, long step) {
    SamplingRows rows = new SamplingRows(batch);
    for (int b = 0; b < batch; b++) {
      rows.set(b, p, seed + b * GOLDEN_GAMMA, Math.toIntExact(step), historyLen);
    }
    return rows;
  }

  /** Sets row {@code row}. */
  public void set(int row, SamplingParams p, long seed, int step, int historyLen) {
    temperature[row] = p.temperature();
    topK[row] = p.topK();
    topP[row] = p.topP();
    minP[row] = p.minP();
    repetition[row] = p.repetitionPenalty();
    presence[row] = p.presencePenalty();
    frequency[row] = p.frequencyPenalty();
    seeds[row] = seed;
    steps[row] = step;
    historyLens[row] = historyLen;
  }

  public int capacity() {
    return capacity;
  }

  // ---------------------------------------------------------------- the device block

  /** I32 words of the device block for {@code capacity} rows. */
  public static int words(int capacity) {
    return (2 + ARRAYS) * capacity;
  }

  /** Bytes of the device block for {@code capacity} rows. */
  public static long bytes(int capacity) {
    return 4L * words(capacity);
  }

  /** Byte offset of 4-byte array {@code index} in the block of {@code capacity} rows. */
  public static long offset(int capacity, int index) {
    return 8L * capacity + 4L * index * capacity;
  }

  /** Typed pointers to the arrays of a device block, where the kernels read them. */
  public record Pointers(
      ConstPtr<I64> seeds,
      ConstPtr<F32> temperature,
      ConstPtr<I32> topK,
      ConstPtr<F32> topP,
      ConstPtr<F32> minP,
      ConstPtr<F32> repetition,
      ConstPtr<F32> presence,
      ConstPtr<F32> frequency,
      ConstPtr<I32> steps,
      ConstPtr<I32> historyLens) {}

  /**
   * The arrays of the block of {@code capacity} rows at device address {@code block}: the one place
   * that turns the layout into addresses (the block goes up in one copy, so its arrays of several
   * element types are addressed inside it).
   */
  public static Pointers pointers(long block, int capacity) {
    return new Pointers(
        ConstPtr.ofAddress(block, I64.class),
        at(block, capacity, TEMPERATURE, F32.class),
        at(block, capacity, TOP_K, I32.class),
        at(block, capacity, TOP_P, F32.class),
        at(block, capacity, MIN_P, F32.class),
        at(block, capacity, REPETITION, F32.class),
        at(block, capacity, PRESENCE, F32.class),
        at(block, capacity, FREQUENCY, F32.class),
        at(block, capacity, STEPS, I32.class),
        at(block, capacity, HISTORY_LENS, I32.class));
  }

  private static <T extends Element> ConstPtr<T> at(
      long block, int capacity, int index, Class<T> element) {
    return ConstPtr.ofAddress(block + offset(capacity, index), element);
  }

  /** Writes the block into {@code words[0, words(capacity))}, as the device holds it. */
  public void encode(int[] words) {
    for (int r = 0; r < capacity; r++) {
      words[2 * r] = (int) seeds[r]; // little-endian i64: low word first
      words[2 * r + 1] = (int) (seeds[r] >>> 32);
    }
    int at = 2 * capacity;
    for (int r = 0; r < capacity; r++) {
      words[at + TEMPERATURE * capacity + r] = Float.floatToRawIntBits(temperature[r]);
      words[at + TOP_K * capacity + r] = topK[r];
      words[at + TOP_P * capacity + r] = Float.floatToRawIntBits(topP[r]);
      words[at + MIN_P * capacity + r] = Float.floatToRawIntBits(minP[r]);
      words[at + REPETITION * capacity + r] = Float.floatToRawIntBits(repetition[r]);
      words[at + PRESENCE * capacity + r] = Float.floatToRawIntBits(presence[r]);
      words[at + FREQUENCY * capacity + r] = Float.floatToRawIntBits(frequency[r]);
      words[at + STEPS * capacity + r] = steps[r];
      words[at + HISTORY_LENS * capacity + r] = historyLens[r];
    }
  }

  /** Writes the block, little-endian, from {@code dst}'s index 0. */
  public void encode(ByteBuffer dst) {
    int[] words = new int[words(capacity)];
    encode(words);
    dst.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear().asIntBuffer().put(words);
  }

  // ---------------------------------------------------------------- the twin's arrays (live views)

  public float[] temperature() {
    return temperature;
  }

  public int[] topK() {
    return topK;
  }

  public float[] topP() {
    return topP;
  }

  public float[] minP() {
    return minP;
  }

  public float[] repetition() {
    return repetition;
  }

  public float[] presence() {
    return presence;
  }

  public float[] frequency() {
    return frequency;
  }

  public long[] seeds() {
    return seeds;
  }

  public int[] steps() {
    return steps;
  }

  public int[] historyLens() {
    return historyLens;
  }
}
