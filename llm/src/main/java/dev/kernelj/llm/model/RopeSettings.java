package dev.kernelj.llm.model;

import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.config.RopeScaling;
import dev.kernelj.ops.RopeConfig;

/** Turns a model's {@code rope_theta}/{@code rope_scaling} into the ops' {@link RopeConfig}. */
public final class RopeSettings {
  private RopeSettings() {}

  /** Llama-family RoPE (rotate-half over the whole head) with the config's frequency scaling. */
  public static RopeConfig of(ModelConfig config) {
    RopeScaling s = config.ropeScaling();
    RopeConfig.Scaling scaling;
    if (s instanceof RopeScaling.Linear linear) {
      scaling = new RopeConfig.Linear(linear.factor());
    } else if (s instanceof RopeScaling.Llama3 l) {
      scaling =
          new RopeConfig.Llama3(
              l.factor(), l.lowFreqFactor(), l.highFreqFactor(), l.originalMaxPositionEmbeddings());
    } else {
      scaling = new RopeConfig.NoScaling();
    }
    return new RopeConfig(
        config.headDim(),
        config.headDim(),
        config.ropeTheta(),
        RopeConfig.Layout.ROTATE_HALF,
        scaling);
  }
}
