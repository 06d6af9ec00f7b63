package dev.kernelj.llm.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Lines typed into {@code kernelj chat}: standard input decoded as UTF-8 whatever the locale, one
 * line at a time, with a bound on a line's length (a line longer than {@link #MAX_LINE_CHARS} is
 * read to its end and reported, never held whole). End of input ends the conversation.
 */
final class ConsoleInput {
  /** Longer than any prompt a context holds (about 4 characters per token). */
  static final int MAX_LINE_CHARS = 1 << 20;

  /**
   * A line still going after this many characters is not a line someone typed ({@code chat <
   * /dev/zero}): reading stops there instead of running forever.
   */
  static final long MAX_SKIPPED_CHARS = 64L << 20;

  /** What {@link #readLine} found. */
  sealed interface Line {}

  /** A line (without its line break). */
  record Text(String text) implements Line {}

  /** A line over the limit, consumed and dropped. */
  record TooLong(long chars) implements Line {}

  /** End of input. */
  record End() implements Line {}

  /** The standard input this process started with, as recorded by {@link KernelJ#main}. */
  private static InputStream processStdin;

  private final Reader in;
  private final int maxChars;

  ConsoleInput(InputStream in, int maxChars) {
    this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    this.maxChars = maxChars;
  }

  /** Records {@code System.in} as the process's standard input (see {@link #isClosed}). */
  static void recordProcessStdin(InputStream stdin) {
    processStdin = stdin;
  }

  /**
   * Whether {@code stdin} is the process's standard input and that was closed when the process
   * started ({@code kernelj chat <&-}). The JVM then reuses file descriptor 0 for a file of its own
   * (its module image or a jar), and reading it would feed the chat garbage. Linux only; elsewhere
   * this says false.
   */
  static boolean isClosed(InputStream stdin) {
    if (stdin != processStdin || !Files.isDirectory(Path.of("/proc/self/fd"))) {
      return false;
    }
    Path fd0 = Path.of("/proc/self/fd/0");
    if (!Files.exists(fd0, LinkOption.NOFOLLOW_LINKS)) {
      return true;
    }
    try {
      Path target = Files.readSymbolicLink(fd0);
      if (target.startsWith(Path.of(System.getProperty("java.home")))) {
        return true;
      }
      for (String entry :
          System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
        if (!entry.isEmpty() && target.equals(Path.of(entry).toAbsolutePath().normalize())) {
          return true;
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The next line, a line over the limit, or the end of input. */
  Line readLine() {
    StringBuilder line = new StringBuilder();
    long length = 0;
    try {
      while (true) {
        int c = in.read();
        if (c < 0) {
          if (length == 0) {
            return new End();
          }
          break;
        }
        if (c == '\n') {
          break;
        }
        length++;
        if (length <= maxChars) {
          line.append((char) c);
        } else if (length > MAX_SKIPPED_CHARS) {
          throw new UncheckedIOException(
              new IOException(
                  "standard input holds a line of more than "
                      + MAX_SKIPPED_CHARS
                      + " characters; it is not a conversation"));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (length > maxChars) {
      return new TooLong(length);
    }
    int end = line.length();
    if (end > 0 && line.charAt(end - 1) == '\r') {
      line.setLength(end - 1);
    }
    return new Text(line.toString());
  }
}
