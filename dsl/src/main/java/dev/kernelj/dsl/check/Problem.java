package dev.kernelj.dsl.check;

/**
 * One finding of the signature check.
 *
 * @param diagnostic what kind of problem
 * @param error true for an error; false for a warning (the message says why it is only a warning)
 * @param paramIndex the 0-based index of the Java kernel parameter concerned (not counting the
 *     {@code Launch}), or -1 when the problem concerns the whole method
 * @param message the message without its tag; it quotes the CUDA declaration where one is involved
 */
public record Problem(Diagnostic diagnostic, boolean error, int paramIndex, String message) {
  /** The message with its tag in front, as users see it. */
  public String formatted() {
    return diagnostic.format(message);
  }
}
