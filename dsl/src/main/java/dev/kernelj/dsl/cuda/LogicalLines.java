package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The first translation phases of C: backslash-newline splices removed, each comment replaced by
 * one space, and the text cut into logical lines, each of which remembers the physical line of
 * every character so that messages name the line a person sees in the file.
 *
 * <p>A block comment that spans lines does not end the logical line (C replaces it by one space),
 * and neither does a raw string literal. String and character literals are followed only to the end
 * of their line: in a branch the preprocessor skips, an apostrophe in prose ({@code don't}) must
 * not swallow the rest of the file, and in live code the lexer reports the unterminated literal.
 */
final class LogicalLines {
  /** One logical line: its text and the physical line of each of its characters. */
  record Line(String text, int[] physicalLines) {
    /** The 1-based physical line of the character at {@code column}. */
    int lineAt(int column) {
      if (physicalLines.length == 0) {
        return 0;
      }
      return physicalLines[Math.min(Math.max(column, 0), physicalLines.length - 1)];
    }

    int firstLine() {
      return lineAt(0);
    }

    /** Whether the first character that is not white space is '#': a preprocessing directive. */
    boolean isDirective() {
      return text.stripLeading().startsWith("#");
    }
  }

  private final char[] chars;
  private final int[] lines;
  private final int length;
  private int pos;
  private final List<Line> out = new ArrayList<>();
  private final StringBuilder text = new StringBuilder();
  private int[] textLines = new int[64];

  private LogicalLines(char[] chars, int[] lines, int length) {
    this.chars = chars;
    this.lines = lines;
    this.length = length;
  }

  static List<Line> split(String source) {
    // Splices first: "\\\n" vanishes and the characters after it keep their own line numbers.
    char[] chars = new char[source.length()];
    int[] lines = new int[source.length()];
    int n = 0;
    int line = 1;
    for (int i = 0; i < source.length(); i++) {
      char c = source.charAt(i);
      if (c == '\\' && i + 1 < source.length() && source.charAt(i + 1) == '\n') {
        i++;
        line++;
        continue;
      }
      if (c == '\\'
          && i + 2 < source.length()
          && source.charAt(i + 1) == '\r'
          && source.charAt(i + 2) == '\n') {
        i += 2;
        line++;
        continue;
      }
      if (c == '\r' && i + 1 < source.length() && source.charAt(i + 1) == '\n') {
        continue; // CRLF is one line end
      }
      chars[n] = c;
      lines[n] = line;
      n++;
      if (c == '\n') {
        line++;
      }
    }
    LogicalLines splitter = new LogicalLines(chars, lines, n);
    splitter.run();
    return splitter.out;
  }

  private void run() {
    while (pos < length) {
      char c = chars[pos];
      if (c == '\n') {
        endLine(lines[pos]);
        pos++;
      } else if (c == '/' && peek(1) == '/') {
        while (pos < length && chars[pos] != '\n') {
          pos++;
        }
      } else if (c == '/' && peek(1) == '*') {
        blockComment();
      } else if (c == '"' || c == '\'') {
        quoted(c);
      } else if (isIdentStart(c)) {
        identifierOrRawString();
      } else if (Character.isDigit(c) || (c == '.' && Character.isDigit(peek(1)))) {
        number();
      } else {
        append(pos++);
      }
    }
    if (text.length() > 0) {
      endLine(lines[length - 1]);
    }
  }

  private void blockComment() {
    int startLine = lines[pos];
    int end = pos + 2;
    while (end + 1 < length && !(chars[end] == '*' && chars[end + 1] == '/')) {
      end++;
    }
    if (end + 1 >= length) {
      throw new CudaParseException(startLine, "unterminated /* comment");
    }
    appendChar(' ', startLine);
    pos = end + 2;
  }

  /** A string or character literal, to its closing quote or, unterminated, to the line's end. */
  private void quoted(char quote) {
    append(pos++);
    while (pos < length && chars[pos] != '\n') {
      char c = chars[pos];
      if (c == '\\' && pos + 1 < length && chars[pos + 1] != '\n') {
        append(pos++);
        append(pos++);
      } else {
        append(pos++);
        if (c == quote) {
          return;
        }
      }
    }
  }

  private void identifierOrRawString() {
    int start = pos;
    while (pos < length && isIdentPart(chars[pos])) {
      append(pos++);
    }
    String word = new String(chars, start, pos - start);
    if (pos < length && chars[pos] == '"' && isRawPrefix(word)) {
      rawString();
    }
  }

  /** {@code R"delim( ... )delim"}: copied whole, newlines and comment-like text included. */
  private void rawString() {
    int open = pos + 1;
    while (open < length && chars[open] != '(' && chars[open] != '\n') {
      open++;
    }
    if (open >= length || chars[open] != '(') {
      return; // not a raw string after all; the lexer reports it if the line is live
    }
    String terminator = ")" + new String(chars, pos + 1, open - pos - 1) + "\"";
    int end = indexOf(terminator, open);
    int stop = end < 0 ? length : end + terminator.length();
    while (pos < stop) {
      append(pos++);
    }
  }

  private void number() {
    append(pos++);
    while (pos < length) {
      char c = chars[pos];
      char prev = chars[pos - 1];
      boolean exponentSign = (c == '+' || c == '-') && "eEpP".indexOf(prev) >= 0;
      boolean separator =
          c == '\'' && pos + 1 < length && Character.isLetterOrDigit(chars[pos + 1]);
      if (isIdentPart(c) || c == '.' || exponentSign || separator) {
        append(pos++);
      } else {
        return;
      }
    }
  }

  private int indexOf(String s, int from) {
    outer:
    for (int i = from; i + s.length() <= length; i++) {
      for (int j = 0; j < s.length(); j++) {
        if (chars[i + j] != s.charAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private void append(int at) {
    appendChar(chars[at], lines[at]);
  }

  private void appendChar(char c, int line) {
    if (text.length() == textLines.length) {
      textLines = Arrays.copyOf(textLines, textLines.length * 2);
    }
    textLines[text.length()] = line;
    text.append(c);
  }

  private void endLine(int line) {
    int[] map = text.length() == 0 ? new int[] {line} : Arrays.copyOf(textLines, text.length());
    out.add(new Line(text.toString(), map));
    text.setLength(0);
  }

  private char peek(int ahead) {
    int at = pos + ahead;
    return at < length ? chars[at] : '\0';
  }

  static boolean isRawPrefix(String word) {
    return word.equals("R")
        || word.equals("u8R")
        || word.equals("uR")
        || word.equals("UR")
        || word.equals("LR");
  }

  static boolean isIdentStart(char c) {
    return Character.isLetter(c) || c == '_' || c == '$';
  }

  static boolean isIdentPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }
}
