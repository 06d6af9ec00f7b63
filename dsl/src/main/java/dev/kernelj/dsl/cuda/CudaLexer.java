package dev.kernelj.dsl.cuda;

import dev.kernelj.dsl.cuda.CudaToken.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one logical line of CUDA C (comments and splices already gone, see {@link LogicalLines})
 * into preprocessing tokens. String, character and raw string literals become single tokens so that
 * braces or quotes inside them cannot confuse the brace matching that skips function bodies.
 */
final class CudaLexer {
  private final LogicalLines.Line line;
  private final String src;
  private int pos;
  private boolean space;
  private final List<CudaToken> tokens = new ArrayList<>();

  private CudaLexer(LogicalLines.Line line, int from) {
    this.line = line;
    this.src = line.text();
    this.pos = from;
  }

  /** The tokens of {@code line} from column {@code from} on. */
  static List<CudaToken> tokenize(LogicalLines.Line line, int from) {
    CudaLexer lexer = new CudaLexer(line, from);
    lexer.run();
    return lexer.tokens;
  }

  /** All tokens of a text without preprocessing directives, such as a type written alone. */
  static List<CudaToken> tokenize(String text) {
    List<CudaToken> all = new ArrayList<>();
    for (LogicalLines.Line l : LogicalLines.split(text)) {
      all.addAll(tokenize(l, 0));
    }
    return all;
  }

  private void run() {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (Character.isWhitespace(c)) {
        pos++;
        space = true;
      } else {
        lexToken(c);
        space = false;
      }
    }
  }

  private void add(Kind kind, int start) {
    tokens.add(
        new CudaToken(
            kind, src.substring(start, pos), line.lineAt(start), space, "", java.util.Set.of()));
  }

  private void lexToken(char c) {
    int start = pos;
    if (LogicalLines.isIdentStart(c)) {
      while (pos < src.length() && LogicalLines.isIdentPart(src.charAt(pos))) {
        pos++;
      }
      String word = src.substring(start, pos);
      if (pos < src.length() && src.charAt(pos) == '"' && LogicalLines.isRawPrefix(word)) {
        lexRawString(start);
      } else if (pos < src.length()
          && (src.charAt(pos) == '"' || src.charAt(pos) == '\'')
          && isEncodingPrefix(word)) {
        lexQuoted(src.charAt(pos), start);
      } else {
        add(Kind.IDENTIFIER, start);
      }
    } else if (Character.isDigit(c) || (c == '.' && Character.isDigit(peek(1)))) {
      lexNumber(start);
    } else if (c == '"' || c == '\'') {
      lexQuoted(c, start);
    } else if (c == ':' && peek(1) == ':') {
      pos += 2;
      add(Kind.PUNCT, start);
    } else if (c == '#' && peek(1) == '#') {
      pos += 2;
      add(Kind.PUNCT, start);
    } else if (c == '.' && peek(1) == '.' && peek(2) == '.') {
      pos += 3;
      add(Kind.PUNCT, start);
    } else {
      pos++;
      add(Kind.PUNCT, start);
    }
  }

  private void lexNumber(int start) {
    pos++;
    while (pos < src.length()) {
      char c = src.charAt(pos);
      char prev = src.charAt(pos - 1);
      // As in a C pp-number, a sign directly after e/E/p/P belongs to the number.
      boolean exponentSign = (c == '+' || c == '-') && "eEpP".indexOf(prev) >= 0;
      boolean digitSeparator =
          c == '\'' && pos + 1 < src.length() && Character.isLetterOrDigit(src.charAt(pos + 1));
      if (LogicalLines.isIdentPart(c) || c == '.' || exponentSign || digitSeparator) {
        pos++;
      } else {
        break;
      }
    }
    add(Kind.NUMBER, start);
  }

  /**
   * A string or character literal starting at {@code pos} (the quote), with an optional prefix from
   * {@code start}.
   */
  private void lexQuoted(char quote, int start) {
    pos++;
    while (true) {
      if (pos >= src.length()) {
        throw new CudaParseException(
            line.lineAt(start),
            "unterminated " + (quote == '"' ? "string" : "character") + " literal");
      }
      char c = src.charAt(pos);
      if (c == '\\' && pos + 1 < src.length()) {
        pos += 2;
      } else if (c == quote) {
        pos++;
        break;
      } else {
        pos++;
      }
    }
    add(quote == '"' ? Kind.STRING : Kind.CHAR, start);
  }

  /** {@code R"delim( ... )delim"}; {@code pos} is at the opening quote. */
  private void lexRawString(int start) {
    int open = src.indexOf('(', pos);
    if (open < 0) {
      throw new CudaParseException(line.lineAt(start), "raw string literal without '('");
    }
    String terminator = ")" + src.substring(pos + 1, open) + "\"";
    int end = src.indexOf(terminator, open);
    if (end < 0) {
      throw new CudaParseException(line.lineAt(start), "unterminated raw string literal");
    }
    pos = end + terminator.length();
    add(Kind.STRING, start);
  }

  private char peek(int ahead) {
    int at = pos + ahead;
    return at < src.length() ? src.charAt(at) : '\0';
  }

  private static boolean isEncodingPrefix(String word) {
    return word.equals("u8") || word.equals("u") || word.equals("U") || word.equals("L");
  }
}
