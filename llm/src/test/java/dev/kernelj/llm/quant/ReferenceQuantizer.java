package dev.kernelj.llm.quant;

import dev.kernelj.llm.safetensors.FloatFormats;

/**
 * The tests' own round-to-nearest group quantizer, following the GPTQ and AWQ tools' formulas for
 * the grid (GPTQ's {@code Quantizer.find_params}; AutoAWQ's {@code pseudo_quantize_tensor}). How
 * codes are chosen does not matter to the packing under test; that the grid is the tools' grid
 * makes the error bounds realistic. Scales are rounded to f16 as the checkpoints store them.
 */
final class ReferenceQuantizer {
  /**
   * A quantized matrix before packing: codes {@code [out][in]}, scales and zeros {@code
   * [groups][out]}.
   */
  record Quantized(
      int bits,
      int in,
      int out,
      int groupSize,
      int groups,
      int[][] codes,
      float[][] scales,
      int[][] zeros,
      int[] gIdx) {
    /** The value the quantized weight stands for: {@code (code - zero) * scale}, in float. */
    float dequantized(int o, int i) {
      int g = gIdx[i];
      return (codes[o][i] - zeros[g][o]) * scales[g][o];
    }
  }

  private ReferenceQuantizer() {}

  /**
   * GPTQ grid. {@code order} lists inputs in quantization order (act-order); groups are consecutive
   * runs of it, so {@code g_idx[order[k]] = k / groupSize}. Pass the identity for plain GPTQ.
   */
  static Quantized gptq(float[][] w, int bits, int groupSize, boolean sym, int[] order) {
    int out = w.length;
    int in = w[0].length;
    int gs = groupSize == -1 ? in : groupSize;
    int groups = (in + gs - 1) / gs;
    int maxq = (1 << bits) - 1;
    int[] gIdx = new int[in];
    for (int k = 0; k < in; k++) {
      gIdx[order[k]] = k / gs;
    }
    float[][] scales = new float[groups][out];
    int[][] zeros = new int[groups][out];
    int[][] codes = new int[out][in];
    for (int o = 0; o < out; o++) {
      for (int g = 0; g < groups; g++) {
        float xmin = 0;
        float xmax = 0;
        for (int i = 0; i < in; i++) {
          if (gIdx[i] == g) {
            xmin = Math.min(xmin, w[o][i]);
            xmax = Math.max(xmax, w[o][i]);
          }
        }
        if (sym) {
          xmax = Math.max(Math.abs(xmin), xmax);
          if (xmin < 0) {
            xmin = -xmax;
          }
        }
        if (xmin == 0 && xmax == 0) {
          xmin = -1;
          xmax = 1;
        }
        float scale = FloatFormats.halfToFloat(FloatFormats.floatToHalf((xmax - xmin) / maxq));
        scales[g][o] = scale;
        // The tools take the zero point from the unrounded scale, within the code range.
        float exact = (xmax - xmin) / maxq;
        zeros[g][o] = sym ? (maxq + 1) / 2 : clamp(Math.round(-xmin / exact), 0, maxq);
      }
      for (int i = 0; i < in; i++) {
        int g = gIdx[i];
        codes[o][i] = clamp(Math.round(w[o][i] / scales[g][o]) + zeros[g][o], 0, maxq);
      }
    }
    return new Quantized(bits, in, out, gs, groups, codes, scales, zeros, gIdx);
  }

  /** AWQ grid (4-bit, asymmetric, contiguous groups). */
  static Quantized awq(float[][] w, int groupSize) {
    int out = w.length;
    int in = w[0].length;
    int groups = in / groupSize;
    int maxq = 15;
    int[] gIdx = new int[in];
    for (int i = 0; i < in; i++) {
      gIdx[i] = i / groupSize;
    }
    float[][] scales = new float[groups][out];
    int[][] zeros = new int[groups][out];
    int[][] codes = new int[out][in];
    for (int o = 0; o < out; o++) {
      for (int g = 0; g < groups; g++) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
          min = Math.min(min, w[o][i]);
          max = Math.max(max, w[o][i]);
        }
        float scale =
            FloatFormats.halfToFloat(FloatFormats.floatToHalf(Math.max(max - min, 1e-5f) / maxq));
        scales[g][o] = scale;
        zeros[g][o] = clamp(-Math.round(min / scale), 0, maxq);
      }
      for (int i = 0; i < in; i++) {
        int g = gIdx[i];
        codes[o][i] = clamp(Math.round(w[o][i] / scales[g][o]) + zeros[g][o], 0, maxq);
      }
    }
    return new Quantized(4, in, out, groupSize, groups, codes, scales, zeros, gIdx);
  }

  private static int clamp(int v, int lo, int hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
