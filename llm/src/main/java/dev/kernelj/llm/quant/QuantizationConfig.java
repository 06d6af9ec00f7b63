package dev.kernelj.llm.quant;

import java.nio.file.Path;
import java.util.List;

/**
 * How a checkpoint's linear layers are quantized.
 *
 * @param source the file this was read from (config.json, quantize_config.json or
 *     quant_config.json)
 * @param method GPTQ or AWQ
 * @param bits bits per weight: 4 or 8 for GPTQ, 4 for AWQ
 * @param groupSize input rows sharing one scale and zero; -1 means one group spanning all inputs
 * @param descAct GPTQ "act-order": groups were formed in order of decreasing activation, so {@code
 *     g_idx} is not monotonic (always false for AWQ)
 * @param sym symmetric quantization (zero point fixed at {@code 2^(bits-1)}); AWQ is asymmetric
 * @param zeroFormat how stored GPTQ zero points relate to real ones (AWQ: {@link
 *     GptqZeroFormat#EXACT})
 * @param modulesNotConverted module names left unquantized ({@code modules_to_not_convert})
 */
public record QuantizationConfig(
    Path source,
    QuantMethod method,
    int bits,
    int groupSize,
    boolean descAct,
    boolean sym,
    GptqZeroFormat zeroFormat,
    List<String> modulesNotConverted) {
  public QuantizationConfig {
    modulesNotConverted = List.copyOf(modulesNotConverted);
  }

  /**
   * Group size for a layer with {@code inFeatures} inputs ({@code inFeatures} when {@code
   * groupSize} is -1).
   */
  public int effectiveGroupSize(int inFeatures) {
    return groupSize == -1 ? inFeatures : groupSize;
  }
}
