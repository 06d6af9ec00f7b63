package dev.kernelj.llm.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream that turns the first write failure into an {@link OutputFailure}, which, being
 * unchecked, passes through the {@code PrintWriter} above it (a {@code PrintWriter} or {@code
 * PrintStream} would swallow an {@code IOException} and report success): {@code kernelj generate >
 * /dev/full} stops at the first token with exit code 4 instead of printing into the void. After the
 * first failure, output is dropped: the error has been reported once.
 */
final class CheckedOutputStream extends FilterOutputStream {
  private final String what;
  private boolean failed;

  CheckedOutputStream(OutputStream out, String what) {
    super(out);
    this.what = what;
  }

  @Override
  public void write(int b) {
    if (failed) {
      return;
    }
    try {
      out.write(b);
    } catch (IOException e) {
      failed = true;
      throw new OutputFailure(what, e);
    }
  }

  @Override
  public void write(byte[] b, int off, int len) {
    if (failed) {
      return;
    }
    try {
      out.write(b, off, len);
    } catch (IOException e) {
      failed = true;
      throw new OutputFailure(what, e);
    }
  }

  @Override
  public void flush() {
    if (failed) {
      return;
    }
    try {
      out.flush();
    } catch (IOException e) {
      failed = true;
      throw new OutputFailure(what, e);
    }
  }
}
