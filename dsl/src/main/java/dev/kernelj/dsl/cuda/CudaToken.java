package dev.kernelj.dsl.cuda;

/**
 * One token of CUDA C as the declaration parser sees it: comments and preprocessor lines are gone
 * before tokens are made.
 *
 * @param kind what sort of token
 * @param text the token's text as written (a string literal keeps its quotes)
 * @param line the 1-based line the token starts on
 */
record CudaToken(Kind kind, String text, int line) {
  enum Kind {
    IDENTIFIER,
    NUMBER,
    STRING,
    CHAR,
    /** Punctuation: one character, except {@code ::} and {@code ...}, which are one token each. */
    PUNCT
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
