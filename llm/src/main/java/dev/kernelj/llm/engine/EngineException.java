package dev.kernelj.llm.engine;

/**
 * A problem the user can fix (the model or context does not fit, no usable GPU, a bad option), with
 * a message that says what is wrong and what would work. The CLI prints it as one line.
 */
public class EngineException extends RuntimeException {
  public EngineException(String message) {
    super(message);
  }

  public EngineException(String message, Throwable cause) {
    super(message, cause);
  }
}
