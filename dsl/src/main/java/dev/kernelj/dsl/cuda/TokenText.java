package dev.kernelj.dsl.cuda;

import java.util.List;

/**
 * Writes tokens back as one line of normalised C: single spaces between words, none inside brackets
 * or before commas, {@code *} and {@code &} attached to the type before them ({@code const float*
 * x}), template brackets tight ({@code Pair<int, int>}) except after the keyword ({@code template
 * <typename T>}).
 */
final class TokenText {
  private TokenText() {}

  static String join(List<CudaToken> tokens) {
    StringBuilder out = new StringBuilder();
    CudaToken before = null;
    CudaToken prev = null;
    for (CudaToken t : tokens) {
      boolean pointerDeclarator =
          before != null && before.isPunct("(") && prev.isPunct("*"); // (*cb)
      if (prev != null && !pointerDeclarator && spaceBetween(prev, t)) {
        out.append(' ');
      }
      out.append(t.text());
      before = prev;
      prev = t;
    }
    return out.toString();
  }

  private static boolean spaceBetween(CudaToken prev, CudaToken next) {
    String p = prev.text();
    String n = next.text();
    if (p.equals("(") || p.equals("[") || p.equals("::") || p.equals("<")) {
      return false;
    }
    if (n.equals(",")
        || n.equals(")")
        || n.equals("]")
        || n.equals("*")
        || n.equals("&")
        || n.equals("::")
        || n.equals("(")
        || n.equals("[")
        || n.equals(">")
        || n.equals(";")) {
      // Tight before "(" of a call or declarator (f(int), __launch_bounds__(256)), not after "," or
      // "=".
      return n.equals("(") && (p.equals(",") || p.equals("=") || p.equals("*") || p.equals("&"));
    }
    if (n.equals("<")) {
      return prev.isIdentifier("template") || !prev.isIdentifier();
    }
    if (p.equals("*") || p.equals("&")) {
      return !(n.equals("*") || n.equals("&"));
    }
    return true;
  }
}
