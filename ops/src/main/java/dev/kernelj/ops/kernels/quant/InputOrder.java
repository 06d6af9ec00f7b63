package dev.kernelj.ops.kernels.quant;

import java.util.Arrays;

/**
 * The order in which a quantized weight's inputs are packed, chosen so that every group is a run of
 * consecutive packed inputs of one length, a multiple of a pair of mma steps (32 inputs, {@link
 * QuantLayout#PAIR_K}). Then the GEMM reads one scale and zero per group and step instead of
 * gathering them per element.
 *
 * <p>Plain checkpoints (groups {@code i / groupSize}, a multiple of 32) keep the inputs in order:
 * no map, the kernel reads x as it is. Otherwise (GPTQ act-order, where {@code g_idx} is not
 * monotonic, or groups of another length) the inputs are sorted by group, stably, and each group is
 * padded with empty inputs to the longest group's length rounded up to 32; {@link #map()} then
 * lists, for each packed input, the original input it holds or -1 for padding, and the activations
 * are permuted once per call ({@code x'[j] = x[map[j]]}, 0 for padding) before the GEMM, as exllama
 * and Marlin do. For GPTQ act-order checkpoints every group has exactly {@code groupSize} inputs,
 * so no padding is added.
 *
 * @param inFeatures inputs of the layer (columns of x)
 * @param packedInputs inputs of the packed form, a multiple of the tile's 64 (4-bit) or 32 (8-bit)
 * @param groupSize packed inputs per group: a multiple of 32, or {@code packedInputs} when there is
 *     one group
 * @param groupCount groups
 * @param map the original input of each packed input, -1 for padding; null when packed input {@code
 *     j} is input {@code j} (and those past {@code inFeatures} are padding)
 */
public record InputOrder(
    int inFeatures, int packedInputs, int groupSize, int groupCount, int[] map) {
  /** Padding may at most double the packed inputs; beyond that the g_idx is not a GPTQ one. */
  static final int MAX_PADDING_FACTOR = 2;

  /**
   * The packed order for inputs whose groups are {@code groupIndex} (values in {@code [0,
   * groupCount)}), configured with {@code groupSize} inputs per group (-1: one group).
   *
   * @throws IllegalArgumentException when the groups are so uneven that padding them would more
   *     than double the weight
   */
  public static InputOrder of(int bits, int[] groupIndex, int groupCount, int groupSize) {
    int k = groupIndex.length;
    int tileK = QuantLayout.tileK(bits);
    if (k == 0 || groupCount < 1) {
      throw new IllegalArgumentException(
          "a quantized weight needs inputs and groups, got " + k + " and " + groupCount);
    }
    int[] runs = new int[groupCount];
    boolean monotonic = true;
    for (int i = 0; i < k; i++) {
      int g = groupIndex[i];
      if (g < 0 || g >= groupCount) {
        throw new IllegalArgumentException(
            "group index " + g + " of input " + i + " is outside [0, " + groupCount + ")");
      }
      runs[g]++;
      if (i > 0 && g < groupIndex[i - 1]) {
        monotonic = false;
      }
    }
    int padded = roundUp(k, tileK);
    if (groupCount == 1) {
      return new InputOrder(k, padded, padded, 1, null);
    }
    if (monotonic && groupSize > 0 && groupSize % QuantLayout.PAIR_K == 0) {
      boolean regular = true;
      for (int g = 0; g < groupCount - 1; g++) {
        regular &= runs[g] == groupSize;
      }
      regular &= runs[groupCount - 1] <= groupSize;
      if (regular) {
        return new InputOrder(k, padded, groupSize, groupCount, null);
      }
    }
    int longest = Arrays.stream(runs).max().orElse(0);
    int packedGroup = roundUp(Math.max(longest, 1), QuantLayout.PAIR_K);
    int packed = roundUp(groupCount * packedGroup, tileK);
    if (packed > MAX_PADDING_FACTOR * padded) {
      throw new IllegalArgumentException(
          "the groups are too uneven to pack: the longest of "
              + groupCount
              + " groups has "
              + longest
              + " of "
              + k
              + " inputs, and padding every group to it would take "
              + packed
              + " inputs");
    }
    int[] map = new int[packed];
    Arrays.fill(map, -1);
    int[] next = new int[groupCount];
    for (int i = 0; i < k; i++) {
      int g = groupIndex[i];
      map[g * packedGroup + next[g]++] = i;
    }
    return new InputOrder(k, packed, packedGroup, groupCount, map);
  }

  /** Whether the activations must be permuted (or padded) before the GEMM. */
  public boolean permuted() {
    return map != null;
  }

  /** Columns of x the GEMM reads: the padded permuted x, or x as it is. */
  public int gemmInputs() {
    return map != null ? packedInputs : inFeatures;
  }

  /** The original input at packed position {@code j}, or -1 for padding. */
  public int input(int j) {
    if (map != null) {
      return map[j];
    }
    return j < inFeatures ? j : -1;
  }

  /** mma steps per group. */
  public int groupSteps() {
    return groupSize / QuantLayout.STEP_K;
  }

  static int roundUp(int value, int multiple) {
    return Math.toIntExact(((long) value + multiple - 1) / multiple * multiple);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputOrder other
        && other.inFeatures == inFeatures
        && other.packedInputs == packedInputs
        && other.groupSize == groupSize
        && other.groupCount == groupCount
        && Arrays.equals(other.map, map);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(map) * 31 + packedInputs * 7 + groupSize;
  }

  @Override
  public String toString() {
    return "InputOrder["
        + inFeatures
        + " inputs, "
        + packedInputs
        + " packed, "
        + groupCount
        + " groups of "
        + groupSize
        + (map != null ? ", permuted" : "")
        + "]";
  }
}
