package dev.kernelj.llm.engine;

/**
 * One sequence to generate: its prompt as token ids, how to sample, when to stop.
 *
 * @param promptIds the prompt, special tokens included as the caller wants them
 * @param sampling sampling settings
 * @param stop stop conditions
 */
public record GenerationRequest(int[] promptIds, SamplingSettings sampling, StopConditions stop) {
  public GenerationRequest {
    if (promptIds.length == 0) {
      throw new EngineException("the prompt is empty: at least one token is needed");
    }
    promptIds = promptIds.clone();
  }

  @Override
  public int[] promptIds() {
    return promptIds.clone();
  }
}
