package dev.kernelj.llm.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The tokens of a Jinja2 tag's body (names, numbers, strings, operators, blanks) and the walks over
 * them that the rewrites share: neighbours past blanks, matching brackets, operand ends.
 */
final class JinjaTokens {

  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "not",
          "in",
          "is",
          "if",
          "else",
          "elif",
          "for",
          "set",
          "macro",
          "call",
          "filter",
          "recursive",
          "import",
          "include",
          "from",
          "as",
          "with",
          "without",
          "context",
          "do",
          "print",
          "block",
          "extends");

  enum Kind {
    STRING,
    NAME,
    NUMBER,
    OP,
    SPACE
  }

  record Tok(Kind kind, String text) {
    boolean is(String s) {
      return (kind == Kind.OP || kind == Kind.NAME) && text.equals(s);
    }

    boolean isAny(String... words) {
      for (String w : words) if (is(w)) return true;
      return false;
    }

    boolean opens() {
      return kind == Kind.OP && (text.equals("(") || text.equals("[") || text.equals("{"));
    }

    boolean closes() {
      return kind == Kind.OP && (text.equals(")") || text.equals("]") || text.equals("}"));
    }

    /** Whether an expression can end with this token (so a "(" or "[" after it is a postfix). */
    boolean endsOperand() {
      return switch (kind) {
        case STRING, NUMBER -> true;
        case NAME -> !KEYWORDS.contains(text);
        case OP -> text.equals(")") || text.equals("]") || text.equals("}");
        case SPACE -> false;
      };
    }
  }

  private JinjaTokens() {}

  // ------------------------------------------------------------------------- tokens

  static List<Tok> tokens(String s) {
    List<Tok> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      int start = i;
      if (Character.isWhitespace(c)) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        out.add(new Tok(Kind.SPACE, s.substring(start, i)));
      } else if (c == '\'' || c == '"') {
        i = stringEnd(s, i);
        if (i >= s.length()) return null;
        i++;
        out.add(new Tok(Kind.STRING, s.substring(start, i)));
      } else if (Character.isLetter(c) || c == '_') {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
          i++;
        }
        out.add(new Tok(Kind.NAME, s.substring(start, i)));
      } else if (Character.isDigit(c)) {
        while (i < s.length()
            && (Character.isLetterOrDigit(s.charAt(i))
                || s.charAt(i) == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))
                || (s.charAt(i) == '+' || s.charAt(i) == '-')
                    && (s.charAt(i - 1) == 'e' || s.charAt(i - 1) == 'E'))) {
          i++;
        }
        out.add(new Tok(Kind.NUMBER, s.substring(start, i)));
      } else {
        String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
        int length =
            switch (two) {
              case "==", "!=", "<=", ">=", "//", "**" -> 2;
              default -> 1;
            };
        i += length;
        out.add(new Tok(Kind.OP, s.substring(start, i)));
      }
    }
    return out;
  }

  /**
   * Where the string literal opening at {@code open} in {@code s} closes (its closing quote; a
   * backslash escapes the next character), or {@code s.length()} if it does not.
   */
  static int stringEnd(String s, int open) {
    char quote = s.charAt(open);
    for (int i = open + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') i++;
      else if (c == quote) return i;
    }
    return s.length();
  }

  static int prev(List<Tok> toks, int i) {
    for (int j = i - 1; j >= 0; j--) if (toks.get(j).kind != Kind.SPACE) return j;
    return -1;
  }

  static int next(List<Tok> toks, int i) {
    for (int j = i + 1; j < toks.size(); j++) if (toks.get(j).kind != Kind.SPACE) return j;
    return -1;
  }

  /** The bracket closing the one at {@code open}, or -1. */
  static int closing(List<Tok> toks, int open) {
    int depth = 0;
    for (int j = open; j < toks.size(); j++) {
      Tok t = toks.get(j);
      if (t.opens()) depth++;
      else if (t.closes() && --depth == 0) return j;
    }
    return -1;
  }

  /** The bracket opening the one at {@code close}, or -1. */
  static int opening(List<Tok> toks, int close) {
    int depth = 0;
    for (int j = close; j >= 0; j--) {
      Tok t = toks.get(j);
      if (t.closes()) depth++;
      else if (t.opens() && --depth == 0) return j;
    }
    return -1;
  }

  /**
   * The first of {@code words} in {@code toks[from, to)} outside the brackets opened there, or -1.
   */
  static int topLevel(List<Tok> toks, int from, int to, String... words) {
    int depth = 0;
    for (int j = from; j < to; j++) {
      Tok t = toks.get(j);
      if (t.opens()) depth++;
      else if (t.closes()) depth--;
      else if (depth == 0 && t.isAny(words)) return j;
    }
    return -1;
  }

  /**
   * Where an operand from {@code from} ends: at the first of {@code words} outside its brackets, or
   * at a bracket it did not open; {@code to} if neither comes first.
   */
  static int operandEnd(List<Tok> toks, int from, int to, String... words) {
    int depth = 0;
    for (int j = from; j < to; j++) {
      Tok t = toks.get(j);
      if (t.opens()) depth++;
      else if (t.closes()) {
        if (depth-- == 0) return j;
      } else if (depth == 0 && t.isAny(words)) {
        return j;
      }
    }
    return to;
  }

  /** Not the {@code not} of {@code is not} or of {@code not in}. */
  static boolean isUnaryNot(List<Tok> toks, int i) {
    int before = prev(toks, i);
    int after = next(toks, i);
    if (before >= 0 && toks.get(before).is("is")) return false;
    return after >= 0 && !toks.get(after).is("in");
  }
}
