package dev.kernelj.llm.quant;

import dev.kernelj.llm.quant.QuantizedLinearReader.Layer;
import dev.kernelj.llm.safetensors.TensorView;
import java.util.stream.IntStream;

/**
 * AWQ's GEMM packing (AutoAWQ {@code WQLinear_GEMM}, llm-awq; what vLLM's AWQ kernels read), 4-bit
 * only:
 *
 * <ul>
 *   <li>{@code qweight} int32 {@code [in, out / 8]}: packed along the OUTPUT dimension in the
 *       interleaved order {@code [0, 2, 4, 6, 1, 3, 5, 7]}: nibble {@code k} (bits {@code 4k}) of
 *       {@code qweight[i][c]} holds the code of output {@code 8c + ORDER[k]}. Equivalently output
 *       {@code 8c + j} sits in nibble {@code REVERSE[j]}, {@code REVERSE = [0, 4, 1, 5, 2, 6, 3,
 *       7]}.
 *   <li>{@code qzeros} int32 {@code [in / group_size, out / 8]}: the same interleaving; zero points
 *       are stored as they are (no minus one). A group size of -1 is one group of all inputs, as
 *       AutoAWQ's {@code WQLinear_GEMM} reads it.
 *   <li>{@code scales} f16 {@code [in / group_size, out]}.
 * </ul>
 */
final class AwqUnpacker {
  /** Nibble position of output {@code j} within its word. */
  static final int[] REVERSE_ORDER = {0, 4, 1, 5, 2, 6, 3, 7};

  private AwqUnpacker() {}

  static QuantizedWeight unpack(Layer layer, QuantizationConfig config) {
    TensorView qweight = layer.requireInt32Matrix("qweight");
    long[] qShape = qweight.shape();
    int in = QuantizedLinearReader.dimension(qweight, qShape[0], "in_features");
    int words = QuantizedLinearReader.dimension(qweight, qShape[1], "qweight columns");
    int out = QuantizedLinearReader.dimension(qweight, (long) words * 8, "out_features");
    int groupSize = config.effectiveGroupSize(in);
    if (in % groupSize != 0 || in % 8 != 0) {
      throw Layer.error(
          qweight,
          "shape",
          "in_features "
              + in
              + " is not a multiple of the group size "
              + groupSize
              + " (and of 8)");
    }
    int groups = in / groupSize;
    String layout = "4-bit AWQ GEMM, group size " + groupSize + ", " + in + " inputs";
    TensorView qzerosView = layer.requireInt32Matrix("qzeros");
    Layer.expectShape(qzerosView, new long[] {groups, words}, layout);
    TensorView scalesView = layer.requireScales();
    Layer.expectShape(scalesView, new long[] {groups, out}, layout);

    int[] stored = qweight.toIntArray();
    int inWords = in / 8;
    int[] codes = new int[out * inWords];
    // Eight inputs (one canonical word per output) per task, so tasks never share a word.
    IntStream.range(0, inWords)
        .parallel()
        .forEach(
            iw -> {
              for (int i = iw * 8; i < iw * 8 + 8; i++) {
                int shiftIn = (i % 8) * 4;
                for (int c = 0; c < words; c++) {
                  int word = stored[i * words + c];
                  for (int j = 0; j < 8; j++) {
                    int code = (word >>> (REVERSE_ORDER[j] * 4)) & 0xF;
                    codes[(c * 8 + j) * inWords + iw] |= code << shiftIn;
                  }
                }
              }
            });
    int[] qzeros = qzerosView.toIntArray();
    float[] rawScales = scalesView.toFloatArray();
    float[] scales = new float[out * groups];
    float[] zeros = new float[out * groups];
    for (int g = 0; g < groups; g++) {
      for (int o = 0; o < out; o++) {
        zeros[o * groups + g] = (qzeros[g * words + o / 8] >>> (REVERSE_ORDER[o % 8] * 4)) & 0xF;
        scales[o * groups + g] = rawScales[g * out + o];
      }
    }
    int[] groupIndex = new int[in];
    for (int i = 0; i < in; i++) {
      groupIndex[i] = i / groupSize;
    }
    return new QuantizedWeight(
        4, in, out, groupSize, groups, codes, false, scales, zeros, groupIndex);
  }
}
