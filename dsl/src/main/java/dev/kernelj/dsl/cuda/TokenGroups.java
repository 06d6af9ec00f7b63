package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.List;

/** Bracket matching and comma splitting over token lists. */
final class TokenGroups {
  private TokenGroups() {}

  /**
   * Index of the token closing the bracket at {@code open} ({@code (}, {@code [}, {@code {} or
   * {@code <}). Inside angle brackets, parentheses shield their contents, so {@code (3 > 2)} does
   * not close a template argument list.
   */
  static int closing(List<CudaToken> tokens, int open, String where) {
    String opener = tokens.get(open).text();
    String closer = closerOf(opener);
    int depth = 0;
    for (int i = open; i < tokens.size(); i++) {
      CudaToken t = tokens.get(i);
      if (t.kind() != CudaToken.Kind.PUNCT) {
        continue;
      }
      if (t.is(opener)) {
        depth++;
      } else if (t.is(closer)) {
        depth--;
        if (depth == 0) {
          return i;
        }
      } else if (opener.equals("<") && (t.is("(") || t.is("["))) {
        i = closing(tokens, i, where);
      } else if (opener.equals("<") && (t.is(";") || t.is("{") || t.is("}"))) {
        break;
      }
    }
    throw new CudaParseException(
        tokens.get(open).line(), "'" + opener + "' opened here is never closed (" + where + ")");
  }

  /**
   * Index of the token opening the bracket that {@code close} closes, searching backwards; -1 if
   * none.
   */
  static int opening(List<CudaToken> tokens, int close) {
    String closer = tokens.get(close).text();
    String opener = openerOf(closer);
    int depth = 0;
    for (int i = close; i >= 0; i--) {
      CudaToken t = tokens.get(i);
      if (t.kind() != CudaToken.Kind.PUNCT) {
        continue;
      }
      if (t.is(closer)) {
        depth++;
      } else if (t.is(opener)) {
        depth--;
        if (depth == 0) {
          return i;
        }
      } else if (closer.equals(">") && (t.is(")") || t.is("]"))) {
        i = opening(tokens, i);
        if (i < 0) {
          return -1;
        }
      } else if (closer.equals(">") && (t.is(";") || t.is("{") || t.is("}"))) {
        return -1;
      }
    }
    return -1;
  }

  /** Splits {@code tokens[from, to)} at commas outside any brackets, angle brackets included. */
  static List<List<CudaToken>> splitTopLevel(
      List<CudaToken> tokens, int from, int to, String where) {
    List<List<CudaToken>> parts = new ArrayList<>();
    int start = from;
    for (int i = from; i < to; i++) {
      CudaToken t = tokens.get(i);
      if (t.isPunct("(") || t.isPunct("[") || t.isPunct("{") || t.isPunct("<")) {
        i = closing(tokens, i, where);
      } else if (t.isPunct(",")) {
        parts.add(tokens.subList(start, i));
        start = i + 1;
      }
    }
    if (start < to || !parts.isEmpty()) {
      parts.add(tokens.subList(start, to));
    }
    return parts;
  }

  private static String closerOf(String opener) {
    return switch (opener) {
      case "(" -> ")";
      case "[" -> "]";
      case "{" -> "}";
      case "<" -> ">";
      default -> throw new IllegalArgumentException("not a bracket: " + opener);
    };
  }

  private static String openerOf(String closer) {
    return switch (closer) {
      case ")" -> "(";
      case "]" -> "[";
      case "}" -> "{";
      case ">" -> "<";
      default -> throw new IllegalArgumentException("not a bracket: " + closer);
    };
  }
}
