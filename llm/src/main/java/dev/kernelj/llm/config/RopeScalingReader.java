package dev.kernelj.llm.config;

import dev.kernelj.llm.json.JsonFields;

/**
 * Reads {@code rope_scaling} (or transformers v5's {@code rope_parameters}) into a {@link
 * RopeScaling}.
 */
final class RopeScalingReader {
  private static final String SUPPORTED = "default, linear, llama3";

  private RopeScalingReader() {}

  static RopeScaling read(JsonFields s) {
    // Older configs spell the key "type".
    String type = s.has("rope_type") ? s.requireString("rope_type") : s.stringOr("type", null);
    if (type == null) {
      throw s.error("rope_type", "missing required key");
    }
    return switch (type) {
      case "default" -> new RopeScaling.None();
      case "linear" ->
          new RopeScaling.Linear(
              ModelConfigReader.positive(s, "factor", s.requireDouble("factor")));
      case "llama3" -> llama3(s);
      default ->
          throw s.error(
              s.has("rope_type") ? "rope_type" : "type",
              "unsupported RoPE scaling \"" + type + "\"; supported: " + SUPPORTED);
    };
  }

  private static RopeScaling llama3(JsonFields s) {
    double factor = ModelConfigReader.positive(s, "factor", s.requireDouble("factor"));
    double low =
        ModelConfigReader.positive(s, "low_freq_factor", s.requireDouble("low_freq_factor"));
    double high =
        ModelConfigReader.positive(s, "high_freq_factor", s.requireDouble("high_freq_factor"));
    if (high <= low) {
      throw s.error(
          "high_freq_factor", "must be greater than low_freq_factor (" + low + ") but is " + high);
    }
    int original = s.requireIntAtLeast("original_max_position_embeddings", 1);
    return new RopeScaling.Llama3(factor, low, high, original);
  }
}
