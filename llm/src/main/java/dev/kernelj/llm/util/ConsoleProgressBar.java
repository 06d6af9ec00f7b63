package dev.kernelj.llm.util;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: {@code [########------------] 42% 3.10 GiB / 7.40 GiB 1.9
 * GiB/s}.
 *
 * <p>Redraws at most every 100 ms so that reporting costs nothing next to the work. Only draws when
 * asked to or when the JVM has a console: a bar written into a log file or a pipe is noise.
 */
public final class ConsoleProgressBar implements ProgressListener {
  private static final int WIDTH = 30;
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintStream out;
  private final String label;
  private final long startNanos = System.nanoTime();
  private long lastDrawNanos;
  private boolean drawn;

  private ConsoleProgressBar(PrintStream out, String label) {
    this.out = out;
    this.label = label;
  }

  /**
   * Returns a bar drawing on {@code System.err} when {@code force} is set or a console is attached,
   * otherwise {@link ProgressListener#NONE}.
   */
  public static ProgressListener forStderr(String label, boolean force) {
    if (force || System.console() != null) {
      return new ConsoleProgressBar(System.err, label);
    }
    return ProgressListener.NONE;
  }

  /** Returns a bar that always draws on {@code out} (tests, or callers that decided themselves). */
  public static ConsoleProgressBar drawingOn(PrintStream out, String label) {
    return new ConsoleProgressBar(out, label);
  }

  @Override
  public void progress(long doneBytes, long totalBytes) {
    long now = System.nanoTime();
    if (drawn && now - lastDrawNanos < REDRAW_NANOS && doneBytes < totalBytes) {
      return;
    }
    lastDrawNanos = now;
    drawn = true;
    out.print('\r' + render(doneBytes, totalBytes, now - startNanos));
    out.flush();
  }

  @Override
  public void finished() {
    if (drawn) {
      out.println();
      out.flush();
    }
  }

  /** The bar's text for the given state, without the leading carriage return. */
  String render(long doneBytes, long totalBytes, long elapsedNanos) {
    double fraction =
        totalBytes <= 0 ? 1.0 : Math.min(1.0, Math.max(0.0, (double) doneBytes / totalBytes));
    int filled = (int) Math.round(fraction * WIDTH);
    double seconds = elapsedNanos / 1e9;
    String rate = seconds > 0 ? ByteSizes.format((long) (doneBytes / seconds)) + "/s" : "";
    return String.format(
        Locale.ROOT,
        "%s [%s%s] %3d%%  %s / %s  %s",
        label,
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        Math.round(fraction * 100),
        ByteSizes.format(doneBytes),
        ByteSizes.format(totalBytes),
        rate);
  }
}
