package dev.kernelj.processor;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The {@code <Name>.kernelj.properties} written beside a precompiled fat binary: which source it
 * was built from, for which architectures, by which compiler, and the symbol of each binding. Keys
 * come in a fixed order and there is no date, so that rebuilds produce the same bytes.
 */
final class PrecompiledProperties {
  private PrecompiledProperties() {}

  static String format(
      String qualifiedName,
      String sha256,
      List<Integer> archs,
      String nvccVersion,
      Map<String, String> lowered) {
    StringBuilder text = new StringBuilder();
    text.append("# Precompiled kernels of ")
        .append(qualifiedName)
        .append(", written by the KernelJ processor\n");
    line(text, "sha256", sha256);
    line(text, "archs", archs.stream().map(String::valueOf).collect(Collectors.joining(",")));
    line(text, "nvcc", nvccVersion);
    lowered.forEach((expression, symbol) -> line(text, "lowered." + expression, symbol));
    return text.toString();
  }

  private static void line(StringBuilder text, String key, String value) {
    text.append(escape(key, true)).append('=').append(escape(value, false)).append('\n');
  }

  /**
   * Escapes as {@link java.util.Properties#load} reads it back; keys also escape white space and
   * separators.
   */
  static String escape(String text, boolean key) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\f' -> out.append("\\f");
        case ' ' -> out.append(key || i == 0 ? "\\ " : " ");
        case '=', ':', '#', '!' -> out.append(key ? "\\" + c : String.valueOf(c));
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
