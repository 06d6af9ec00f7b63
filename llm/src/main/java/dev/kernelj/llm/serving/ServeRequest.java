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
 * @param promptLogprobs -1 for none; else each prompt token's logprob (from the second token on)
 *     and this many alternatives (0 to 20), as {@link Completion#promptLogprobs()} (for the
 *     completions API's {@code echo} with {@code logprobs})
 */
public record ServeRequest(
    String id,
    int[] promptIds,
    SamplingSettings sampling,
    int maxTokens,
    List<String> stopStrings,
    Set<Integer> stopTokenIds,
    boolean ignoreEos,
    int logprobs,
    int promptLogprobs) {
  public ServeRequest {
    promptIds = promptIds.clone();
    stopStrings = List.copyOf(stopStrings);
    stopTokenIds = Set.copyOf(stopTokenIds);
  }

  /** A request without prompt logprobs. */
  public ServeRequest(
      String id,
      int[] promptIds,
      SamplingSettings sampling,
      int maxTokens,
      List<String> stopStrings,
      Set<Integer> stopTokenIds,
      boolean ignoreEos,
      int logprobs) {
    this(id, promptIds, sampling, maxTokens, stopStrings, stopTokenIds, ignoreEos, logprobs, -1);
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
