package dev.kernelj.llm.config;

/**
 * How rotary position embedding frequencies are rescaled for longer contexts ({@code config.json}'s
 * {@code rope_scaling}).
 */
public sealed interface RopeScaling {
  /** The {@code rope_type} name. */
  String type();

  /** No rescaling: plain RoPE. */
  record None() implements RopeScaling {
    @Override
    public String type() {
      return "default";
    }
  }

  /** Positions divided by {@code factor} (position interpolation). */
  record Linear(double factor) implements RopeScaling {
    @Override
    public String type() {
      return "linear";
    }
  }

  /**
   * Llama 3.1's frequency-dependent scaling: wavelengths longer than {@code
   * originalMaxPositionEmbeddings / lowFreqFactor} are divided by {@code factor}, shorter than
   * {@code originalMaxPositionEmbeddings / highFreqFactor} kept, and those between interpolated
   * smoothly.
   */
  record Llama3(
      double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings)
      implements RopeScaling {
    @Override
    public String type() {
      return "llama3";
    }
  }
}
