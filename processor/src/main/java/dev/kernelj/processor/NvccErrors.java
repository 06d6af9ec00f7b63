package dev.kernelj.processor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Picks the lines worth quoting out of nvcc's output when it rejects a source. */
final class NvccErrors {
  /** {@code Saxpy.cu(12): error: ...} */
  private static final Pattern LOCATED = Pattern.compile("^(.*?\\.cu)\\((\\d+)\\):(.*)$");

  private NvccErrors() {}

  /**
   * The first {@code limit} error lines (with their {@code file(line)} prefix), or the first lines
   * of output when nvcc printed no recognisable error. Lines past {@code sourceLines} belong to the
   * symbol variables the precompiler appended; they are labelled with the binding they instantiate.
   */
  static List<String> firstErrors(
      String output, int limit, int sourceLines, List<String> appendedBindings) {
    List<String> errors = new ArrayList<>();
    List<String> all = output.lines().map(String::stripTrailing).filter(l -> !l.isBlank()).toList();
    for (String line : all) {
      if (errors.size() == limit) {
        break;
      }
      if (isError(line)) {
        errors.add(label(line, sourceLines, appendedBindings));
      }
    }
    if (errors.isEmpty()) {
      return all.subList(0, Math.min(limit, all.size()));
    }
    return errors;
  }

  private static boolean isError(String line) {
    String lower = line.toLowerCase(Locale.ROOT);
    return (lower.contains("error") || lower.contains("fatal"))
        && !lower.contains("errors detected")
        && !lower.contains("error detected");
  }

  private static String label(String line, int sourceLines, List<String> appendedBindings) {
    Matcher m = LOCATED.matcher(line);
    if (!m.matches()) {
      return line;
    }
    int lineNumber = Integer.parseInt(m.group(2));
    int appended = lineNumber - sourceLines - 1;
    if (appended >= 0 && appended < appendedBindings.size()) {
      return line + " [in KernelJ's instantiation of " + appendedBindings.get(appended) + "]";
    }
    return line;
  }
}
