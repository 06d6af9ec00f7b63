package dev.kernelj.llm.serving;

import dev.kernelj.llm.engine.SamplingSettings;
import java.util.List;
import java.util.Set;

/**
 * One request to a {@link ServingEngine}.
 *
 * @param id the caller's id for logs and streaming (null: the engine makes one)
 * @param promptIds the prompt, special tokens included as the caller wants them
 * @param sampling how to draw tokens (greedy, or seeded sampling with penalties)
 * @param maxTokens most tokens to generate, at least 1
 * @param stopStrings text that ends the output (the output is cut before it)
 * @param stopTokenIds token ids that end the output besides the model's EOS ids
 * @param ignoreEos whether to keep generating past the model's EOS ids
 * @param logprobs -1 for none; else the chosen token's logprob and this many alternatives (0 to 20)
 */
public record ServeRequest(
    String id,
    int[] promptIds,
    SamplingSettings sampling,
    int maxTokens,
    List<String> stopStrings,
    Set<Integer> stopTokenIds,
    boolean ignoreEos,
    int logprobs) {
  public ServeRequest {
    promptIds = promptIds.clone();
    stopStrings = List.copyOf(stopStrings);
    stopTokenIds = Set.copyOf(stopTokenIds);
  }

  /** A greedy request with no stop rules beyond the model's EOS. */
  public static ServeRequest greedy(int[] promptIds, int maxTokens) {
    return new ServeRequest(
        null, promptIds, SamplingSettings.greedy(), maxTokens, List.of(), Set.of(), false, -1);
  }

  @Override
  public int[] promptIds() {
    return promptIds.clone();
  }
}
