package dev.kernelj.llm.engine;

import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * When a sequence stops: after {@code maxTokens} generated tokens, on any of {@code eosIds} (the
 * token itself is not part of the text), or when the text contains one of {@code stopStrings} (the
 * text ends before it).
 */
public record StopConditions(int maxTokens, Set<Integer> eosIds, List<String> stopStrings) {
  public StopConditions {
    if (maxTokens < 1) {
      throw new EngineException("max tokens must be at least 1, got " + maxTokens);
    }
    eosIds = Set.copyOf(eosIds);
    stopStrings = List.copyOf(stopStrings);
    for (String s : stopStrings) {
      if (s.isEmpty()) {
        throw new EngineException("a stop string must not be empty");
      }
    }
  }

  /**
   * A model's EOS ids: generation_config.json's, config.json's and the tokenizer's (none when
   * {@code tokenizer} is null), in that order.
   */
  public static Set<Integer> eosIds(ModelConfig config, Tokenizer tokenizer) {
    Set<Integer> eos = new LinkedHashSet<>(config.generation().eosTokenIds());
    eos.addAll(config.eosTokenIds());
    if (tokenizer != null) {
      for (int id : tokenizer.eosIds()) {
        eos.add(id);
      }
    }
    return eos;
  }

  public StopConditions withMaxTokens(int n) {
    return new StopConditions(n, eosIds, stopStrings);
  }

  public StopConditions withStopStrings(List<String> strings) {
    return new StopConditions(maxTokens, eosIds, strings);
  }

  public StopConditions withEosIds(Set<Integer> ids) {
    return new StopConditions(maxTokens, ids, stopStrings);
  }
}
