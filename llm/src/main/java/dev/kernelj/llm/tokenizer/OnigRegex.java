package dev.kernelj.llm.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Translates the Oniguruma (Ruby syntax) regular expressions found in {@code tokenizer.json} to
 * {@link java.util.regex}. HF tokenizers runs them with Oniguruma in its Unicode mode, where the
 * shorthand classes are Unicode-aware while Java's are ASCII-only; getting this wrong changes how
 * whitespace such as U+3000 or NBSP is split, so each shorthand is rewritten to its Oniguruma
 * definition:
 *
 * <ul>
 *   <li>{@code \s}: U+0009..U+000D, U+0085 and the categories Zl, Zp, Zs; {@code \S} its
 *       complement;
 *   <li>{@code \d}: category Nd; {@code \w}: categories L, M, Nd, Pc; {@code \h}: hex digit;
 *   <li>{@code (?i...)}: Unicode case folding ({@code u} flag), so that e.g. U+017F folds to {@code
 *       s};
 *   <li>{@code ^ $ .}: Ruby's line semantics (only {@code \n} ends a line; {@code ^ $} are per
 *       line).
 * </ul>
 */
final class OnigRegex {

  private static final String SPACE_MEMBERS = "\\t\\n\\x0B\\f\\r\\x20\\x85\\p{Zl}\\p{Zp}\\p{Zs}";
  private static final String WORD_MEMBERS = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";
  private static final String DIGIT_MEMBERS = "\\p{Nd}";
  private static final String HEX_MEMBERS = "0-9a-fA-F";

  private OnigRegex() {}

  /** Compiles an Oniguruma pattern; the exception message names the original pattern. */
  static Pattern compile(String onigPattern) {
    String java = translate(onigPattern);
    try {
      return Pattern.compile(java, Pattern.MULTILINE | Pattern.UNIX_LINES);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "cannot translate regex "
              + onigPattern
              + " (as Java: "
              + java
              + "): "
              + e.getDescription(),
          e);
    }
  }

  /** The {@link java.util.regex} text equivalent to an Oniguruma pattern. */
  static String translate(String p) {
    StringBuilder out = new StringBuilder(p.length() + 32);
    int classDepth = 0;
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '\\' && i + 1 < p.length()) {
        char e = p.charAt(++i);
        String members =
            switch (e) {
              case 's', 'S' -> SPACE_MEMBERS;
              case 'w', 'W' -> WORD_MEMBERS;
              case 'd', 'D' -> DIGIT_MEMBERS;
              case 'h', 'H' -> HEX_MEMBERS;
              default -> null;
            };
        if (members == null) {
          out.append('\\').append(e);
        } else {
          boolean negated = Character.isUpperCase(e);
          if (classDepth > 0 && !negated) {
            out.append(members);
          } else {
            out.append(negated ? "[^" : "[").append(members).append(']');
          }
        }
      } else if (c == '[') {
        classDepth++;
        out.append(c);
      } else if (c == ']' && classDepth > 0) {
        classDepth--;
        out.append(c);
      } else if (c == '('
          && classDepth == 0
          && p.startsWith("(?i:", i)
          && literalGroupEnd(p, i + 4) > 0) {
        int end = literalGroupEnd(p, i + 4);
        out.append("(?:").append(foldLiterals(p.substring(i + 4, end))).append(')');
        i = end;
      } else if (c == '(' && classDepth == 0 && p.startsWith("(?", i)) {
        i = copyGroupFlags(p, i, out);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * End of a {@code (?i:...)} group holding only literal text and alternation (Llama 3's
   * contractions), or -1. Such groups are expanded into explicit character classes because Java's
   * Unicode case-insensitive matching makes the whole alternation several times slower.
   */
  private static int literalGroupEnd(String p, int from) {
    for (int i = from; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == ')') return i;
      if (!(Character.isLetterOrDigit(c) && c < 0x80)
          && c != '|'
          && c != '\''
          && c != ' '
          && c != '-') return -1;
    }
    return -1;
  }

  /**
   * Each ASCII letter becomes the class of everything that case-folds to it (incl. U+017F and
   * U+212A).
   */
  private static String foldLiterals(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c < 0x80 && Character.isLetter(c)) {
        char lower = Character.toLowerCase(c);
        out.append('[').append(lower).append(Character.toUpperCase(c));
        if (lower == 's') out.append('\u017F');
        if (lower == 'k') out.append('\u212A');
        out.append(']');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Copies an inline-flag group opener, adding Java's {@code u} next to any {@code i}. */
  private static int copyGroupFlags(String p, int open, StringBuilder out) {
    int j = open + 2;
    while (j < p.length() && (Character.isLetter(p.charAt(j)) || p.charAt(j) == '-')) {
      j++;
    }
    String flags = p.substring(open + 2, j);
    boolean flagGroup =
        !flags.isEmpty() && j < p.length() && (p.charAt(j) == ':' || p.charAt(j) == ')');
    if (flagGroup) {
      int minus = flags.indexOf('-');
      String on = minus < 0 ? flags : flags.substring(0, minus);
      String off = minus < 0 ? "" : flags.substring(minus);
      if (on.contains("i") && !on.contains("u")) {
        on += "u";
      }
      flags = on + off;
    }
    out.append("(?").append(flags);
    return j - 1;
  }
}
