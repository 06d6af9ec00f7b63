package dev.kernelj.llm.serving;

import dev.kernelj.llm.engine.EngineException;

/** A request the engine refused at submission; {@link #reason()} says which rule it broke. */
public final class RequestRejectedException extends EngineException {
  /** Which rule a rejected request broke (the server maps it to a status code). */
  public enum Reason {
    /** Prompt + max tokens exceed the context or the KV pool (400). */
    TOO_LONG,
    /** The waiting queue is full (503 with Retry-After). */
    QUEUE_FULL,
    /** The engine is shutting down (503). */
    SHUTTING_DOWN,
    /** A field is out of range or refers to something the model lacks, e.g. a token id (400). */
    INVALID
  }

  private final Reason reason;

  public RequestRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
