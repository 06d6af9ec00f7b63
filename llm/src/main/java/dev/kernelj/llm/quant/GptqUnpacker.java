package dev.kernelj.llm.quant;

import dev.kernelj.llm.quant.QuantizedLinearReader.Layer;
import dev.kernelj.llm.safetensors.TensorView;
import java.util.stream.IntStream;

/**
 * GPTQ's packing (AutoGPTQ, GPTQModel, GPTQ-for-LLaMa, and what vLLM, exllama and Marlin read), for
 * {@code b} = 4 or 8 bits and {@code p = 32 / b} codes per int32:
 *
 * <ul>
 *   <li>{@code qweight} int32 {@code [in / p, out]}: packed along the INPUT dimension; the code of
 *       {@code W[o][i]} is at bit {@code (i % p) * b} of {@code qweight[i / p][o]}.
 *   <li>{@code qzeros} int32 {@code [groups, out / p]}: packed along the OUTPUT dimension; the
 *       stored zero of output {@code o} in group {@code g} is at bit {@code (o % p) * b} of {@code
 *       qzeros[g][o / p]}, and is the zero point minus one (taken off the whole word) unless {@code
 *       checkpoint_format} is {@code gptq_v2} (see {@link GptqZeroFormat}).
 *   <li>{@code scales} f16 {@code [groups, out]}.
 *   <li>{@code g_idx} int32 {@code [in]}: the group of each input, in the inputs' original order
 *       (needed with {@code desc_act}; when absent, {@code i / group_size}).
 * </ul>
 *
 * {@code groups = ceil(in / group_size)}, or 1 for {@code group_size = -1}. Codes are stored in the
 * original input order even with act-order; {@link QuantizedWeight} keeps {@code qweight} as stored
 * (input-major).
 */
final class GptqUnpacker {
  private GptqUnpacker() {}

  static QuantizedWeight unpack(Layer layer, QuantizationConfig config) {
    int bits = config.bits();
    int perWord = 32 / bits;
    int mask = (1 << bits) - 1;
    TensorView qweight = layer.requireInt32Matrix("qweight");
    long[] qShape = qweight.shape();
    int rows = QuantizedLinearReader.dimension(qweight, qShape[0], "qweight rows");
    int out = QuantizedLinearReader.dimension(qweight, qShape[1], "out_features");
    int in = QuantizedLinearReader.dimension(qweight, (long) rows * perWord, "in_features");
    if (out % perWord != 0) {
      throw Layer.error(
          qweight,
          "shape",
          "out_features "
              + out
              + " is not a multiple of "
              + perWord
              + ", which "
              + bits
              + "-bit GPTQ zero packing needs");
    }
    int groupSize = config.effectiveGroupSize(in);
    int groups = (in + groupSize - 1) / groupSize;
    String layout = bits + "-bit GPTQ, group size " + config.groupSize() + ", " + in + " inputs";

    TensorView qzerosView = layer.requireInt32Matrix("qzeros");
    Layer.expectShape(qzerosView, new long[] {groups, out / perWord}, layout);
    TensorView scalesView = layer.requireScales();
    Layer.expectShape(scalesView, new long[] {groups, out}, layout);
    int[] groupIndex = groupIndex(layer, config, in, groupSize, groups);

    // Kept as stored, input-major: the repack reads each word once from there (QuantizedWeight's
    // strides), so no transpose of a billion words over an 8B model.
    int[] stored = qweight.toIntArray();
    int[] qzeros = qzerosView.toIntArray();
    float[] rawScales = scalesView.toFloatArray();
    float[] scales = new float[out * groups];
    float[] zeros = new float[out * groups];
    int zeroWords = out / perWord;
    GptqZeroFormat zeroFormat = config.zeroFormat();
    // [groups][out] to [out][groups], blocks of outputs in parallel like the repack after it.
    IntStream.range(0, (out + 63) / 64)
        .parallel()
        .forEach(
            block -> {
              int end = Math.min(out, block * 64 + 64);
              for (int g = 0; g < groups; g++) {
                for (int o = block * 64; o < end; o++) {
                  int word = zeroFormat.zeroWord(qzeros[g * zeroWords + o / perWord], bits);
                  zeros[o * groups + g] = (word >>> ((o % perWord) * bits)) & mask;
                  scales[o * groups + g] = rawScales[g * out + o];
                }
              }
            });
    return new QuantizedWeight(
        bits, in, out, groupSize, groups, stored, true, scales, zeros, groupIndex);
  }

  private static int[] groupIndex(
      Layer layer, QuantizationConfig config, int in, int groupSize, int groups) {
    if (!layer.has("g_idx")) {
      if (config.descAct()) {
        layer.requireIndex("g_idx");
      }
      int[] index = new int[in];
      for (int i = 0; i < in; i++) {
        index[i] = i / groupSize;
      }
      return index;
    }
    TensorView view = layer.requireIndex("g_idx");
    Layer.expectShape(view, new long[] {in}, "one group index per input");
    int[] index = view.toIntArray();
    for (int i = 0; i < in; i++) {
      if (index[i] < 0 || index[i] >= groups) {
        throw Layer.error(
            view, "values", "g_idx[" + i + "] = " + index[i] + " is outside [0, " + groups + ")");
      }
    }
    return index;
  }
}
