package dev.kernelj.llm.engine;

/** Why a sequence stopped. */
public enum FinishReason {
  /** An end-of-sequence token. */
  EOS,
  /** A stop string appeared in the text. */
  STOP_STRING,
  /** The token budget ran out. */
  MAX_TOKENS
}
