package dev.kernelj.ops;

/**
 * Bad input to an op: a shape, dtype, layout or device that the op cannot take. Raised before
 * anything is launched, so a caller never sees a half-done op. The message names the op, the
 * argument and the shapes involved, e.g. {@code rmsNorm: weight has shape [4095] but x has [2,
 * 4096] (weight must be [cols])}.
 */
public final class OpArgumentException extends IllegalArgumentException {
  private final String op;
  private final String argument;

  public OpArgumentException(String op, String argument, String problem) {
    super(op + ": " + argument + " " + problem);
    this.op = op;
    this.argument = argument;
  }

  /** The op that refused its input, e.g. {@code "matmul"}. */
  public String op() {
    return op;
  }

  /** The argument at fault, e.g. {@code "weight"}. */
  public String argument() {
    return argument;
  }
}
