package dev.kernelj.llm.quant;

import dev.kernelj.llm.safetensors.TensorLookup;
import dev.kernelj.llm.util.ModelFormatException;
import java.util.List;
import java.util.Optional;

/**
 * Names the quantized layout a checkpoint stores a module in when it is not one KernelJ reads, or
 * when the quantization settings are missing, so that "weight is missing" says why.
 */
public final class ForeignQuantization {
  private ForeignQuantization() {}

  private record Format(String suffix, String description) {}

  private static final List<Format> FORMATS =
      List.of(
          new Format(
              ".qweight",
              "GPTQ/AWQ tensors (qweight, qzeros, scales) but the model directory has no"
                  + " quantization settings (config.json's quantization_config, quantize_config.json"
                  + " or quant_config.json)"),
          new Format(
              ".q_weight",
              "ExLlamaV2 EXL2 tensors (q_weight, q_scale), which KernelJ does not read"),
          new Format(
              ".B",
              "Marlin-format tensors (B, s), which KernelJ does not read; use the GPTQ checkpoint"),
          new Format(
              ".weight_packed",
              "compressed-tensors packed weights (weight_packed), which KernelJ does not read"),
          new Format(".SCB", "bitsandbytes int8 tensors (SCB), which KernelJ does not read"),
          new Format(
              ".weight.absmax",
              "bitsandbytes 4-bit tensors (absmax), which KernelJ does not read"));

  /**
   * What the checkpoint holds for module {@code module} (e.g. {@code model.layers.0.mlp.up_proj})
   * in place of its {@code .weight}, if it is a quantized layout.
   */
  public static Optional<String> describe(TensorLookup checkpoint, String module) {
    for (Format f : FORMATS) {
      if (checkpoint.contains(module + f.suffix())) {
        return Optional.of(module + " holds " + f.description());
      }
    }
    return Optional.empty();
  }

  /**
   * The error for tensor {@code name} (e.g. {@code model.layers.0.mlp.up_proj.weight}) missing from
   * {@code checkpoint}, which {@code neededBy} (the architecture) needs: it says, when so, which
   * quantized layout holds the module instead ({@link #describe}).
   */
  public static ModelFormatException missing(
      TensorLookup checkpoint, String name, String neededBy) {
    ModelFormatException missing =
        ModelFormatException.missingTensor(checkpoint.location(), name, neededBy);
    String module = name.endsWith(".weight") ? name.substring(0, name.length() - 7) : name;
    return describe(checkpoint, module)
        .map(
            d -> new ModelFormatException(checkpoint.location(), name, missing.detail() + ": " + d))
        .orElse(missing);
  }
}
