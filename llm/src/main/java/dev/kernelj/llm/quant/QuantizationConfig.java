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
 * @param overrides GPTQModel's per-module {@code dynamic} settings, in their written order
 */
public record QuantizationConfig(
    Path source,
    QuantMethod method,
    int bits,
    int groupSize,
    boolean descAct,
    boolean sym,
    GptqZeroFormat zeroFormat,
    List<String> modulesNotConverted,
    List<ModuleOverride> overrides) {
  public QuantizationConfig {
    modulesNotConverted = List.copyOf(modulesNotConverted);
    overrides = List.copyOf(overrides);
  }

  /** A configuration without per-module overrides. */
  public QuantizationConfig(
      Path source,
      QuantMethod method,
      int bits,
      int groupSize,
      boolean descAct,
      boolean sym,
      GptqZeroFormat zeroFormat,
      List<String> modulesNotConverted) {
    this(source, method, bits, groupSize, descAct, sym, zeroFormat, modulesNotConverted, List.of());
  }

  /**
   * The settings of module {@code name} (e.g. {@code model.layers.0.mlp.down_proj}): these, or
   * those of the first {@code dynamic} entry that matches it. (A module a {@code "-:"} entry
   * excludes is stored unquantized; the loader finds it by its tensors.)
   */
  public QuantizationConfig forModule(String name) {
    for (ModuleOverride o : overrides) {
      if (o.matches(name)) {
        if (o.exclude()) {
          return this;
        }
        return new QuantizationConfig(
            source,
            method,
            o.bits() > 0 ? o.bits() : bits,
            o.groupSize() != 0 ? o.groupSize() : groupSize,
            descAct,
            sym,
            zeroFormat,
            modulesNotConverted,
            overrides);
      }
    }
    return this;
  }

  /**
   * Group size for a layer with {@code inFeatures} inputs ({@code inFeatures} when {@code
   * groupSize} is -1).
   */
  public int effectiveGroupSize(int inFeatures) {
    return groupSize == -1 ? inFeatures : groupSize;
  }
}
