package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;

/**
 * What the CUDA backend's attention kernels take: bf16 activations and KV cache, head dim 64 or
 * 128. Checked when an engine opens, before any weight is loaded, so that a model the kernels
 * cannot run fails in a second with one line saying what is supported, not at the first step. The
 * reference backend ({@code --device cpu}) takes any floating dtype and head dim.
 */
final class CudaSupport {
  private CudaSupport() {}

  /**
   * @throws EngineException when the CUDA attention kernels cannot run {@code config} at {@code
   *     activation}
   */
  static void check(ModelConfig config, DType activation) {
    if (activation != DType.BF16) {
      throw new EngineException(
          "the CUDA backend runs attention in bf16 only, but "
              + activation
              + " activations were requested; use --dtype bf16 (the default on CUDA), or --device cpu for "
              + activation.name().toLowerCase(java.util.Locale.ROOT));
    }
    int headDim = config.headDim();
    if (headDim != 64 && headDim != 128) {
      throw new EngineException(
          "the CUDA attention kernels take head dim 64 or 128, but this model's head_dim is "
              + headDim
              + "; run it with --device cpu");
    }
  }
}
