package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads kernel name expressions; see {@link NameExpression#parse}. Works on characters rather than
 * tokens so that template arguments keep their spelling (only white space is folded).
 */
final class NameExpressionParser {
  private NameExpressionParser() {}

  static NameExpression parse(String text) {
    if (text == null || text.isBlank()) {
      throw new CudaParseException(0, "empty kernel name expression");
    }
    String folded = fold(text);
    int lt = folded.indexOf('<');
    String qualified =
        (lt < 0 ? folded : folded.substring(0, lt)).trim().replaceAll("\\s*::\\s*", "::");
    List<String> parts = parts(qualified, text);
    String name = parts.get(parts.size() - 1);
    List<String> qualifier = parts.subList(0, parts.size() - 1);
    boolean rooted = qualified.startsWith("::");
    if (lt < 0) {
      return new NameExpression(qualifier, rooted, name, List.of(), qualified);
    }
    if (!folded.endsWith(">")) {
      throw new CudaParseException(
          0,
          "kernel name expression '"
              + text.strip()
              + "' must end with the '>' closing its template arguments");
    }
    List<String> args = templateArgs(folded.substring(lt + 1, folded.length() - 1), text);
    return new NameExpression(
        qualifier, rooted, name, args, qualified + "<" + String.join(", ", args) + ">");
  }

  /** {@code f} or {@code ns::f}: checks each part is an identifier and returns them in order. */
  private static List<String> parts(String qualified, String original) {
    String[] parts =
        qualified.startsWith("::")
            ? qualified.substring(2).split("::", -1)
            : qualified.split("::", -1);
    for (String part : parts) {
      if (!isIdentifier(part.trim())) {
        throw new CudaParseException(
            0,
            "'"
                + part.trim()
                + "' in kernel name expression '"
                + original.strip()
                + "' is not a C identifier");
      }
    }
    return java.util.Arrays.stream(parts).map(String::trim).toList();
  }

  /** Splits at commas outside <>, (), [] and {}; '>' inside parentheses does not close anything. */
  private static List<String> templateArgs(String inner, String original) {
    List<String> args = new ArrayList<>();
    int angle = 0;
    int paren = 0;
    int start = 0;
    for (int i = 0; i < inner.length(); i++) {
      char c = inner.charAt(i);
      switch (c) {
        case '(', '[', '{' -> paren++;
        case ')', ']', '}' -> paren--;
        case '<' -> angle += paren == 0 ? 1 : 0;
        case '>' -> angle -= paren == 0 ? 1 : 0;
        case ',' -> {
          if (angle == 0 && paren == 0) {
            args.add(argument(inner.substring(start, i), original));
            start = i + 1;
          }
        }
        default -> {}
      }
      if (paren < 0 || angle < 0) {
        throw new CudaParseException(
            0, "unbalanced '" + c + "' in the template arguments of '" + original.strip() + "'");
      }
    }
    if (angle != 0 || paren != 0) {
      throw new CudaParseException(
          0, "unbalanced brackets in the template arguments of '" + original.strip() + "'");
    }
    String last = inner.substring(start);
    if (args.isEmpty() && last.isBlank()) {
      throw new CudaParseException(
          0,
          "'"
              + original.strip()
              + "' has an empty template argument list;"
              + " write the arguments explicitly, even those with defaults");
    }
    args.add(argument(last, original));
    return args;
  }

  private static String argument(String raw, String original) {
    String arg = raw.trim();
    if (arg.isEmpty()) {
      throw new CudaParseException(0, "empty template argument in '" + original.strip() + "'");
    }
    return arg;
  }

  private static String fold(String text) {
    return text.strip().replaceAll("\\s+", " ");
  }

  private static boolean isIdentifier(String s) {
    if (s.isEmpty() || !(Character.isLetter(s.charAt(0)) || s.charAt(0) == '_')) {
      return false;
    }
    return s.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_');
  }
}
