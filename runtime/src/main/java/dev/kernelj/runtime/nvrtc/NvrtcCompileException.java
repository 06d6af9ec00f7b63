package dev.kernelj.runtime.nvrtc;

import java.util.List;

/**
 * NVRTC rejected a program. The message holds the program name, the compiler log, the options and
 * the source with numbered lines, so that the log's line numbers can be read against it.
 */
public final class NvrtcCompileException extends NvrtcException {
  private final String programName;
  private final String log;
  private final List<String> options;
  private final String source;

  public NvrtcCompileException(
      int code,
      String codeName,
      String programName,
      String log,
      List<String> options,
      String source) {
    super(code, codeName, message(codeName, programName, log, options, source));
    this.programName = programName;
    this.log = log;
    this.options = List.copyOf(options);
    this.source = source;
  }

  public String programName() {
    return programName;
  }

  /** The compiler's log as NVRTC wrote it. */
  public String log() {
    return log;
  }

  /** The options as passed to {@code nvrtcCompileProgram}. */
  public List<String> options() {
    return options;
  }

  public String source() {
    return source;
  }

  /** {@code source} with right-aligned 1-based line numbers: {@code " 3 | int i = ...;"}. */
  public static String numbered(String source) {
    List<String> lines = source.lines().toList();
    int width = String.valueOf(Math.max(1, lines.size())).length();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      String n = String.valueOf(i + 1);
      sb.append(" ".repeat(width - n.length()))
          .append(n)
          .append(" | ")
          .append(lines.get(i))
          .append('\n');
    }
    return sb.toString();
  }

  private static String message(
      String codeName, String programName, String log, List<String> options, String source) {
    return "NVRTC could not compile "
        + programName
        + " ("
        + codeName
        + "):\n"
        + log.strip()
        + "\noptions: "
        + String.join(" ", options)
        + "\nsource:\n"
        + numbered(source);
  }
}
