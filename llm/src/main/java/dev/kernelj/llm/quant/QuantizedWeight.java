package dev.kernelj.llm.quant;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * One quantized linear layer's weight in a format-neutral form, whatever checkpoint format it came
 * from. Represents the matrix {@code W[out][in]} of {@code y = W x} (PyTorch's {@code
 * nn.Linear.weight} layout) with {@code W[o][i] = (code(o, i) - zero(o, group(i))) * scale(o,
 * group(i))}.
 *
 * <p>Layout (the repack into the GEMM's tiles reads it, {@code QuantizedPacking}):
 *
 * <ul>
 *   <li>{@code packedCodes}: int32 words, {@code in / codesPerWord} per output. Word {@code (o, w)}
 *       holds the codes of inputs {@code w*codesPerWord .. w*codesPerWord + codesPerWord - 1}, the
 *       first in the lowest bits (code of input {@code i} at bit {@code (i % codesPerWord) *
 *       bits}), and sits at {@code o * rowStride + w * wordStride}: row-major {@code [out][in /
 *       codesPerWord]} (AWQ's interleaving undone), or GPTQ's {@code qweight} as stored, {@code [in
 *       / codesPerWord][out]}, which saves the repack a transpose of every word.
 *   <li>{@code scales}, {@code zeros}: float {@code [out][groups]}, row-major. Zeros are real zero
 *       points (GPTQ v1's minus-one already undone), as floats so a kernel can fold {@code zero *
 *       scale} once.
 *   <li>{@code groupIndex}: int {@code [in]}, the group of each input. Monotonic ({@code i /
 *       groupSize}) except for GPTQ act-order checkpoints; {@link #actOrderPermutation()} gives the
 *       input order that makes groups contiguous.
 * </ul>
 *
 * <p>The arrays are shared with the caller, not copied: the weight of a 70B model should exist
 * once.
 */
public final class QuantizedWeight {
  private final int bits;
  private final int inFeatures;
  private final int outFeatures;
  private final int groupSize;
  private final int groupCount;
  private final int[] packedCodes;
  private final int rowStride;
  private final int wordStride;
  private final float[] scales;
  private final float[] zeros;
  private final int[] groupIndex;

  /**
   * @param bits 4 or 8
   * @param inFeatures inputs; a multiple of {@code 32 / bits}
   * @param outFeatures outputs
   * @param groupSize inputs per group as configured ({@code inFeatures} for a single group)
   * @param groupCount number of groups
   * @param packedCodes {@code [out][in / (32 / bits)]}, or {@code [in / (32 / bits)][out]} (GPTQ's
   *     {@code qweight}) when {@code inputMajor}
   * @param inputMajor which of the two layouts {@code packedCodes} has
   * @param scales {@code [out][groupCount]}
   * @param zeros {@code [out][groupCount]}
   * @param groupIndex {@code [in]}, each in {@code [0, groupCount)}
   * @throws IllegalArgumentException when the sizes disagree
   */
  public QuantizedWeight(
      int bits,
      int inFeatures,
      int outFeatures,
      int groupSize,
      int groupCount,
      int[] packedCodes,
      boolean inputMajor,
      float[] scales,
      float[] zeros,
      int[] groupIndex) {
    if (bits != 4 && bits != 8) {
      throw new IllegalArgumentException("bits must be 4 or 8, not " + bits);
    }
    int perWord = 32 / bits;
    if (inFeatures <= 0
        || outFeatures <= 0
        || inFeatures % perWord != 0
        || groupCount <= 0
        || groupSize <= 0) {
      throw new IllegalArgumentException(
          "bad sizes: in="
              + inFeatures
              + " out="
              + outFeatures
              + " groups="
              + groupCount
              + " groupSize="
              + groupSize);
    }
    check("packedCodes", packedCodes.length, (long) outFeatures * (inFeatures / perWord));
    check("scales", scales.length, (long) outFeatures * groupCount);
    check("zeros", zeros.length, (long) outFeatures * groupCount);
    check("groupIndex", groupIndex.length, inFeatures);
    for (int i = 0; i < inFeatures; i++) {
      if (groupIndex[i] < 0 || groupIndex[i] >= groupCount) {
        throw new IllegalArgumentException(
            "groupIndex[" + i + "] = " + groupIndex[i] + " outside [0, " + groupCount + ")");
      }
    }
    this.bits = bits;
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.groupSize = groupSize;
    this.groupCount = groupCount;
    this.packedCodes = packedCodes;
    this.rowStride = inputMajor ? 1 : inFeatures / perWord;
    this.wordStride = inputMajor ? outFeatures : 1;
    this.scales = scales;
    this.zeros = zeros;
    this.groupIndex = groupIndex;
  }

  private static void check(String name, long actual, long expected) {
    if (actual != expected) {
      throw new IllegalArgumentException(
          name + " has " + actual + " elements, expected " + expected);
    }
  }

  /** Bits per code. */
  public int bits() {
    return bits;
  }

  /** Codes per int32 word: 8 for 4-bit, 4 for 8-bit. */
  public int codesPerWord() {
    return 32 / bits;
  }

  /** Words per output row of {@link #packedCodes()}. */
  public int wordsPerRow() {
    return inFeatures / codesPerWord();
  }

  /** Index in {@link #packedCodes()} of output {@code o}'s first word. */
  public int rowStart(int o) {
    return o * rowStride;
  }

  /** Distance in {@link #packedCodes()} between consecutive words of an output. */
  public int wordStride() {
    return wordStride;
  }

  /** Number of inputs (columns of W). */
  public int inFeatures() {
    return inFeatures;
  }

  /** Number of outputs (rows of W). */
  public int outFeatures() {
    return outFeatures;
  }

  /** Inputs per group as configured ({@code inFeatures} for a single group). */
  public int groupSize() {
    return groupSize;
  }

  /** Number of groups. */
  public int groupCount() {
    return groupCount;
  }

  /**
   * The packed codes (shared, not a copy); word {@code w} of output {@code o} at {@code rowStart(o)
   * + w * wordStride()}.
   */
  public int[] packedCodes() {
    return packedCodes;
  }

  /** Scales {@code [out][groups]} (shared, not a copy). */
  public float[] scales() {
    return scales;
  }

  /** Zero points {@code [out][groups]} (shared, not a copy). */
  public float[] zeros() {
    return zeros;
  }

  /** Group of each input {@code [in]} (shared, not a copy). */
  public int[] groupIndex() {
    return groupIndex;
  }

  /** The code of {@code W[o][i]}, in {@code [0, 2^bits)}. */
  public int code(int o, int i) {
    int perWord = codesPerWord();
    int word = packedCodes[o * rowStride + (i / perWord) * wordStride];
    return (word >>> ((i % perWord) * bits)) & ((1 << bits) - 1);
  }

  /** The group of input {@code i}. */
  public int group(int i) {
    return groupIndex[i];
  }

  /** Scale of output {@code o} in group {@code g}. */
  public float scale(int o, int g) {
    return scales[o * groupCount + g];
  }

  /** Zero point of output {@code o} in group {@code g}. */
  public float zero(int o, int g) {
    return zeros[o * groupCount + g];
  }

  /** {@code W[o][i]} in float: {@code (code - zero) * scale}. */
  public float weight(int o, int i) {
    int g = groupIndex[i];
    return (code(o, i) - zero(o, g)) * scale(o, g);
  }

  /** Whether the groups are not the contiguous runs {@code i / groupSize} (GPTQ act-order). */
  public boolean hasActOrder() {
    for (int i = 0; i < inFeatures; i++) {
      if (groupIndex[i] != i / groupSize) {
        return true;
      }
    }
    return false;
  }

  /**
   * The inputs sorted stably by group: {@code perm[k]} is the input placed at position {@code k} so
   * that each group's inputs are contiguous. The identity unless {@link #hasActOrder()}; kernels
   * that need contiguous groups permute the activations with it (as exllama and Marlin do).
   */
  public int[] actOrderPermutation() {
    return IntStream.range(0, inFeatures)
        .boxed()
        .sorted(Comparator.comparingInt((Integer i) -> groupIndex[i]))
        .mapToInt(Integer::intValue)
        .toArray();
  }

  @Override
  public String toString() {
    return "QuantizedWeight["
        + bits
        + "-bit, out="
        + outFeatures
        + ", in="
        + inFeatures
        + ", groups="
        + groupCount
        + " of "
        + groupSize
        + (hasActOrder() ? ", act-order" : "")
        + "]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof QuantizedWeight q
        && q.bits == bits
        && q.inFeatures == inFeatures
        && q.outFeatures == outFeatures
        && q.groupSize == groupSize
        && q.groupCount == groupCount
        && sameCodes(q)
        && Arrays.equals(q.scales, scales)
        && Arrays.equals(q.zeros, zeros)
        && Arrays.equals(q.groupIndex, groupIndex);
  }

  /** Whether {@code q} holds the same words as this, in whichever layout each keeps them. */
  private boolean sameCodes(QuantizedWeight q) {
    for (int o = 0; o < outFeatures; o++) {
      for (int w = 0; w < wordsPerRow(); w++) {
        if (packedCodes[rowStart(o) + w * wordStride]
            != q.packedCodes[q.rowStart(o) + w * q.wordStride]) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(scales) * 31 + Arrays.hashCode(zeros);
  }
}
