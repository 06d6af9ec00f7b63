package dev.kernelj.dsl.cuda;

/**
 * CUDA C that the declaration parser cannot read, with the 1-based line where it gave up (0 if
 * unknown).
 */
public final class CudaParseException extends RuntimeException {
  private final int line;

  public CudaParseException(int line, String message) {
    super(line > 0 ? "line " + line + ": " + message : message);
    this.line = line;
  }

  public int line() {
    return line;
  }
}
