package dev.kernelj.llm.cli;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writing an output failed: standard output (a full disk, a closed pipe, {@code /dev/full}) or the
 * {@code --out} file. Reported as one line with exit code {@link ExitCodes#IO_ERROR}.
 */
final class OutputFailure extends UncheckedIOException {
  private static final long serialVersionUID = 1L;

  /**
   * @param what the output in words, e.g. "standard output" or "logits.bin"
   */
  OutputFailure(String what, IOException cause) {
    super("cannot write to " + what + ": " + reason(cause), cause);
  }

  /** The operating system's reason without Java's wrapping, e.g. "No space left on device". */
  static String reason(IOException e) {
    String message = e instanceof java.nio.file.FileSystemException fs ? fs.getReason() : null;
    if (message == null) {
      message = e.getMessage();
    }
    return message == null || message.isBlank() ? "an I/O error" : message.strip();
  }
}
