package dev.kernelj.llm.engine;

/**
 * What one sequence produced.
 *
 * @param tokens generated ids (an EOS token that ended it is not included)
 * @param text detokenized output, cut before a stop string
 * @param finishReason why it stopped
 * @param promptTokens tokens of the prompt
 */
public record GenerationResult(
    int[] tokens, String text, FinishReason finishReason, int promptTokens) {
  @Override
  public int[] tokens() {
    return tokens.clone();
  }
}
