package dev.kernelj.llm.cli;

/** The exit statuses of {@code kernelj}, the same for every subcommand. */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;

  /** A bug: an exception nothing expected. The message asks for {@code --debug}. */
  public static final int INTERNAL_ERROR = 1;

  /** Bad command line: unknown option, missing or malformed value. */
  public static final int USAGE = 2;

  /** The model directory (or another input file) is missing, malformed or unsupported. */
  public static final int BAD_INPUT = 3;

  /** An I/O failure other than a bad input file (disk, permissions, a closed pipe). */
  public static final int IO_ERROR = 4;

  private ExitCodes() {}
}
