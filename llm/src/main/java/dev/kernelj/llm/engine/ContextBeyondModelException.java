package dev.kernelj.llm.engine;

/**
 * The context asked for ({@link EngineOptions#maxContext()}) is longer than the model's positions:
 * a bad option rather than a bad model, so a front end can name its own option for it.
 */
public final class ContextBeyondModelException extends EngineException {
  private static final long serialVersionUID = 1L;

  private final int requested;
  private final int modelMax;

  ContextBeyondModelException(int requested, int modelMax) {
    super("max context " + requested + " exceeds the model's max_position_embeddings " + modelMax);
    this.requested = requested;
    this.modelMax = modelMax;
  }

  /** The context asked for, in tokens. */
  public int requested() {
    return requested;
  }

  /** The longest context the model takes (its {@code max_position_embeddings}). */
  public int modelMax() {
    return modelMax;
  }
}
