package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.ops.Capabilities;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Whether a backend's attention runs a model at an activation dtype ({@link
 * Capabilities#attentionDtypes}, {@link Capabilities#attentionHeadDims}; on CUDA bf16 and head dim
 * 64 or 128, on the reference backend anything). Checked when an engine opens, before any weight is
 * loaded, so that a model the backend cannot run fails in a second with one line saying what is
 * supported, not at the first step.
 */
final class BackendSupport {
  private BackendSupport() {}

  /** The activation dtype the options ask for, else the backend's preferred one. */
  static DType activation(EngineOptions options, Capabilities caps) {
    return options.activation() != null ? options.activation() : caps.preferredActivation();
  }

  /**
   * @throws EngineException when the backend's attention cannot run {@code config} at {@code
   *     activation}
   */
  static void check(ModelConfig config, DType activation, Capabilities caps) {
    if (!caps.attentionTakes(activation)) {
      throw new EngineException(
          "the "
              + caps.backend()
              + " backend runs attention in "
              + join(caps.attentionDtypes().stream().map(BackendSupport::lower).sorted().toList())
              + " only, but "
              + activation
              + " activations were requested; use --dtype "
              + lower(caps.preferredActivation())
              + " (the default on "
              + caps.backend()
              + "), or --device cpu for "
              + lower(activation));
    }
    int headDim = config.headDim();
    if (!caps.attentionTakesHeadDim(headDim)) {
      throw new EngineException(
          "the "
              + caps.backend()
              + " attention kernels take head dim "
              + join(caps.attentionHeadDims().stream().sorted().map(String::valueOf).toList())
              + ", but this model's head_dim is "
              + headDim
              + "; run it with --device cpu");
    }
  }

  private static String lower(DType t) {
    return t.name().toLowerCase(Locale.ROOT);
  }

  private static String join(Collection<String> items) {
    return items.stream().collect(Collectors.joining(" or "));
  }
}
