package dev.kernelj.dsl.cuda;

import java.util.Set;

/**
 * One token of CUDA C after preprocessing, as the declaration parser sees it.
 *
 * @param kind what sort of token
 * @param text the token's text as written (a string literal keeps its quotes)
 * @param line the 1-based physical line the token starts on; a token a macro produced carries the
 *     line of the macro's invocation
 * @param spaceBefore whether white space (or a comment) separated it from the token before, which
 *     stringification ({@code #x}) and {@code #define F(x)} versus {@code #define F (x)} depend on
 * @param macro the outermost macro whose expansion produced the token, empty when it was written as
 *     is
 * @param hideSet the macros that must not expand this token again (C's rescanning rule)
 */
record CudaToken(
    Kind kind, String text, int line, boolean spaceBefore, String macro, Set<String> hideSet) {
  enum Kind {
    IDENTIFIER,
    NUMBER,
    STRING,
    CHAR,
    /**
     * Punctuation: one character, except {@code ::}, {@code ...} and {@code ##}, which are one
     * token each.
     */
    PUNCT,
    /** What {@code ##} leaves when one side is an empty macro argument; dropped after expansion. */
    PLACEMARKER
  }

  CudaToken(Kind kind, String text, int line) {
    this(kind, text, line, false, "", Set.of());
  }

  /** This token as a macro expansion at {@code line} produced it. */
  CudaToken expandedAt(int newLine, String origin, Set<String> hide, boolean space) {
    return new CudaToken(kind, text, newLine, space, macro.isEmpty() ? origin : macro, hide);
  }

  CudaToken withSpaceBefore(boolean space) {
    return new CudaToken(kind, text, line, space, macro, hideSet);
  }

  CudaToken withHideSet(Set<String> hide) {
    return new CudaToken(kind, text, line, spaceBefore, macro, hide);
  }

  boolean is(String s) {
    return text.equals(s);
  }

  boolean isIdentifier() {
    return kind == Kind.IDENTIFIER;
  }

  boolean isIdentifier(String s) {
    return kind == Kind.IDENTIFIER && text.equals(s);
  }

  boolean isPunct(String s) {
    return kind == Kind.PUNCT && text.equals(s);
  }
}
