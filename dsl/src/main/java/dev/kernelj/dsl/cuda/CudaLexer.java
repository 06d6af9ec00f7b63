package dev.kernelj.dsl.cuda;

import dev.kernelj.dsl.cuda.CudaToken.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns CUDA C into tokens, dropping what can never hold a {@code __global__} declaration the
 * parser should see: comments and preprocessor directives (with their backslash continuations).
 * String, character and raw string literals become single tokens so that braces or quotes inside
 * them cannot confuse the brace matching that skips function bodies.
 */
final class CudaLexer {
  private final String src;
  private int pos;
  private int line = 1;

  /** True while only white space has been seen since the start of the current line. */
  private boolean atLineStart = true;

  private final List<CudaToken> tokens = new ArrayList<>();

  private CudaLexer(String src) {
    this.src = src;
  }

  static List<CudaToken> tokenize(String source) {
    CudaLexer lexer = new CudaLexer(source);
    lexer.run();
    return lexer.tokens;
  }

  private void run() {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '\n') {
        line++;
        pos++;
        atLineStart = true;
      } else if (Character.isWhitespace(c)) {
        pos++;
      } else if (c == '\\' && peek(1) == '\n') {
        // A line splice outside a directive: it joins lines, so it is white space to us.
        pos += 2;
        line++;
      } else if (c == '/' && peek(1) == '/') {
        skipLineComment();
      } else if (c == '/' && peek(1) == '*') {
        skipBlockComment();
      } else if (c == '#' && atLineStart) {
        skipDirective();
      } else {
        atLineStart = false;
        lexToken(c);
      }
    }
  }

  private void lexToken(char c) {
    int startLine = line;
    int start = pos;
    if (isIdentStart(c)) {
      while (pos < src.length() && isIdentPart(src.charAt(pos))) {
        pos++;
      }
      String word = src.substring(start, pos);
      if (pos < src.length() && src.charAt(pos) == '"' && isRawPrefix(word)) {
        lexRawString(start, startLine);
      } else if (pos < src.length()
          && (src.charAt(pos) == '"' || src.charAt(pos) == '\'')
          && isEncodingPrefix(word)) {
        lexQuoted(src.charAt(pos), start, startLine);
      } else {
        tokens.add(new CudaToken(Kind.IDENTIFIER, word, startLine));
      }
    } else if (Character.isDigit(c) || (c == '.' && Character.isDigit(peek(1)))) {
      lexNumber(start, startLine);
    } else if (c == '"' || c == '\'') {
      lexQuoted(c, start, startLine);
    } else if (c == ':' && peek(1) == ':') {
      pos += 2;
      tokens.add(new CudaToken(Kind.PUNCT, "::", startLine));
    } else if (c == '.' && peek(1) == '.' && peek(2) == '.') {
      pos += 3;
      tokens.add(new CudaToken(Kind.PUNCT, "...", startLine));
    } else {
      pos++;
      tokens.add(new CudaToken(Kind.PUNCT, String.valueOf(c), startLine));
    }
  }

  private void lexNumber(int start, int startLine) {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      char prev = src.charAt(pos - 1);
      // As in a C pp-number, a sign directly after e/E/p/P belongs to the number.
      boolean exponentSign = (c == '+' || c == '-') && "eEpP".indexOf(prev) >= 0;
      boolean digitSeparator =
          c == '\'' && pos + 1 < src.length() && Character.isLetterOrDigit(src.charAt(pos + 1));
      if (isIdentPart(c) || c == '.' || exponentSign || digitSeparator) {
        pos++;
      } else {
        break;
      }
    }
    tokens.add(new CudaToken(Kind.NUMBER, src.substring(start, pos), startLine));
  }

  /**
   * A string or character literal starting at {@code pos} (the quote), with an optional prefix from
   * {@code start}.
   */
  private void lexQuoted(char quote, int start, int startLine) {
    pos++;
    while (true) {
      if (pos >= src.length()) {
        throw new CudaParseException(
            startLine, "unterminated " + (quote == '"' ? "string" : "character") + " literal");
      }
      char c = src.charAt(pos);
      if (c == '\\' && pos + 1 < src.length()) {
        if (src.charAt(pos + 1) == '\n') {
          line++;
        }
        pos += 2;
      } else if (c == quote) {
        pos++;
        break;
      } else if (c == '\n') {
        throw new CudaParseException(
            startLine, "unterminated " + (quote == '"' ? "string" : "character") + " literal");
      } else {
        pos++;
      }
    }
    tokens.add(
        new CudaToken(
            quote == '"' ? Kind.STRING : Kind.CHAR, src.substring(start, pos), startLine));
  }

  /** {@code R"delim( ... )delim"}; {@code pos} is at the opening quote. */
  private void lexRawString(int start, int startLine) {
    int open = src.indexOf('(', pos);
    if (open < 0) {
      throw new CudaParseException(startLine, "raw string literal without '('");
    }
    String terminator = ")" + src.substring(pos + 1, open) + "\"";
    int end = src.indexOf(terminator, open);
    if (end < 0) {
      throw new CudaParseException(startLine, "unterminated raw string literal");
    }
    pos = end + terminator.length();
    line += countNewlines(start, pos);
    tokens.add(new CudaToken(Kind.STRING, src.substring(start, pos), startLine));
  }

  private void skipLineComment() {
    while (pos < src.length() && src.charAt(pos) != '\n') {
      // A backslash at the end of a // comment splices the next line into the comment.
      if (src.charAt(pos) == '\\' && peek(1) == '\n') {
        pos++;
        line++;
      }
      pos++;
    }
  }

  private void skipBlockComment() {
    int startLine = line;
    int end = src.indexOf("*/", pos + 2);
    if (end < 0) {
      throw new CudaParseException(startLine, "unterminated /* comment");
    }
    line += countNewlines(pos, end);
    pos = end + 2;
  }

  /**
   * Skips a directive to its end of line, following backslash continuations and block comments that
   * span lines; string literals inside are skipped so a {@code //} in a path does not end it.
   */
  private void skipDirective() {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '\n') {
        return;
      } else if (c == '\\' && peek(1) == '\n') {
        pos += 2;
        line++;
      } else if (c == '\\' && peek(1) == '\r' && peek(2) == '\n') {
        pos += 3;
        line++;
      } else if (c == '/' && peek(1) == '*') {
        skipBlockComment();
      } else if (c == '/' && peek(1) == '/') {
        skipLineComment();
      } else if (c == '"') {
        pos++;
        while (pos < src.length() && src.charAt(pos) != '"' && src.charAt(pos) != '\n') {
          pos += src.charAt(pos) == '\\' && peek(1) != '\n' ? 2 : 1;
        }
        if (pos < src.length() && src.charAt(pos) == '"') {
          pos++;
        }
      } else {
        pos++;
      }
    }
  }

  private int countNewlines(int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      if (src.charAt(i) == '\n') {
        n++;
      }
    }
    return n;
  }

  private char peek(int ahead) {
    int at = pos + ahead;
    return at < src.length() ? src.charAt(at) : '\0';
  }

  private static boolean isRawPrefix(String word) {
    return word.equals("R")
        || word.equals("u8R")
        || word.equals("uR")
        || word.equals("UR")
        || word.equals("LR");
  }

  private static boolean isEncodingPrefix(String word) {
    return word.equals("u8") || word.equals("u") || word.equals("U") || word.equals("L");
  }

  private static boolean isIdentStart(char c) {
    return Character.isLetter(c) || c == '_' || c == '$';
  }

  private static boolean isIdentPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }
}
