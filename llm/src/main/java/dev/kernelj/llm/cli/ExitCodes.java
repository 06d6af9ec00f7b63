package dev.kernelj.llm.cli;

/** The exit statuses of {@code kernelj}, the same for every subcommand. */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;

  /** A bug: an exception nothing expected. The message asks for {@code --debug}. */
  public static final int INTERNAL_ERROR = 1;

  /** Bad command line: unknown option, missing or malformed value. */
  public static final int USAGE = 2;

  /**
   * The model directory (or another input file) is missing, malformed or unsupported, or the model
   * computes something unusable (NaN logits).
   */
  public static final int BAD_INPUT = 3;

  /** An I/O failure other than a bad input file (disk, permissions, a closed pipe). */
  public static final int IO_ERROR = 4;

  private ExitCodes() {}

  /** Lists the codes in the {@code --help} of {@code commandLine} and of all its subcommands. */
  static void document(picocli.CommandLine commandLine) {
    java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
    codes.put(" " + OK, "success");
    codes.put(" " + INTERNAL_ERROR, "internal error, a bug (rerun with --debug and report it)");
    codes.put(" " + USAGE, "bad usage: an unknown option, a missing or out-of-range value");
    codes.put(
        " " + BAD_INPUT,
        "bad input: a model file that is missing, malformed or unsupported; a bad model output");
    codes.put(" " + IO_ERROR, "I/O failure: writing standard output or --out, reading a file");
    commandLine
        .getCommandSpec()
        .usageMessage()
        .exitCodeListHeading("%nExit codes:%n")
        .exitCodeList(codes);
    commandLine.getSubcommands().values().forEach(ExitCodes::document);
  }
}
