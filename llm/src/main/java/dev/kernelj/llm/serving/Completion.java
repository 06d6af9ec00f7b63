package dev.kernelj.llm.serving;

import java.util.List;

/**
 * The whole output of a finished request.
 *
 * @param tokenIds generated tokens (a stop token is not included)
 * @param text their text, cut before a stop string
 * @param logprobs per generated token when asked for, else empty
 * @param finishReason why it ended
 * @param promptTokens tokens of the prompt
 * @param cachedPromptTokens prompt tokens whose KV came from the prefix cache
 * @param arrivalNanos {@link System#nanoTime()} at submission
 * @param firstTokenNanos when the first token was produced (0 if none was)
 * @param finishNanos when it finished
 * @param promptLogprobs when {@link ServeRequest#promptLogprobs()} asked for them: one entry per
 *     prompt token from the second on (the first has no context to be predicted from), else empty
 */
public record Completion(
    int[] tokenIds,
    String text,
    List<TokenLogprob> logprobs,
    FinishReason finishReason,
    int promptTokens,
    int cachedPromptTokens,
    long arrivalNanos,
    long firstTokenNanos,
    long finishNanos,
    List<TokenLogprob> promptLogprobs) {
  public Completion {
    logprobs = List.copyOf(logprobs);
    promptLogprobs = List.copyOf(promptLogprobs);
  }
}
