package dev.kernelj.llm.serving;

/** Why a served request ended. */
public enum FinishReason {
  /** An end-of-sequence token, a stop token id or a stop string (OpenAI's {@code "stop"}). */
  STOP,
  /** Max tokens, or the model's context, ran out (OpenAI's {@code "length"}). */
  LENGTH,
  /** The caller cancelled it, or the engine shut down before it finished. */
  CANCELLED
}
