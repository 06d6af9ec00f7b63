package dev.kernelj.llm.config;

import dev.kernelj.llm.json.JsonFields;
import java.util.List;

/**
 * Reads {@code generation_config.json}; keys it lacks take Hugging Face's defaults or config.json's
 * ids.
 */
final class GenerationConfigReader {
  private GenerationConfigReader() {}

  static GenerationConfig parse(JsonFields g, int configBos, List<Integer> configEos) {
    GenerationConfig d = GenerationConfig.defaults(configBos, configEos);
    List<Integer> eos = g.has("eos_token_id") ? g.intOrIntList("eos_token_id") : configEos;
    double temperature = g.doubleOr("temperature", d.temperature());
    if (temperature < 0) {
      throw g.error("temperature", "must not be negative but is " + temperature);
    }
    double topP = g.doubleOr("top_p", d.topP());
    if (topP < 0 || topP > 1) {
      throw g.error("top_p", "must be within [0, 1] but is " + topP);
    }
    return new GenerationConfig(
        g.intOr("bos_token_id", configBos),
        eos,
        g.intOr("pad_token_id", -1),
        g.booleanOr("do_sample", d.doSample()),
        temperature,
        topP,
        g.intOr("top_k", d.topK()),
        g.doubleOr("repetition_penalty", d.repetitionPenalty()),
        g.intOr("max_new_tokens", -1));
  }
}
