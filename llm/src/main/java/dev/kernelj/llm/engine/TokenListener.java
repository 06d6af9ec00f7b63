package dev.kernelj.llm.engine;

/**
 * Receives generated text as it becomes final, per sequence of the batch (index into the requests).
 */
@FunctionalInterface
public interface TokenListener {
  /** Does nothing. */
  TokenListener NONE = (sequence, text) -> {};

  /**
   * {@code text} is the next piece of sequence {@code sequence}'s output: whole characters, stop
   * strings held back.
   */
  void onText(int sequence, String text);
}
