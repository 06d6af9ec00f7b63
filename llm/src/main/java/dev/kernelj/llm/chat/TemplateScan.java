package dev.kernelj.llm.chat;

import java.util.Set;

/**
 * Checks a chat template's source before Jinjava parses it, for what Jinjava handles badly: its
 * parser recurses once per nested block and per nested bracket (2,000 nested {@code {% if %}}
 * overflow the stack, 5,000 nested parentheses take 40 s first). A lexical pass over the tags
 * (string literals skipped, comments and raw blocks left alone) bounds the size, the block nesting
 * and the bracket nesting. (An unknown filter fails where it is used, as in Jinja2: {@link
 * JinjaExpressions}.)
 */
final class TemplateScan {
  /** Real templates are a few KiB; the largest (tool-calling ones) about 20 KiB. */
  static final int MAX_SOURCE_CHARS = 1 << 20;

  /** Block tags nested deeper than this are refused (real templates nest about 6). */
  static final int MAX_BLOCK_DEPTH = 64;

  /** Brackets nested deeper than this within one tag are refused. */
  static final int MAX_BRACKET_DEPTH = 64;

  private static final Set<String> BLOCK_TAGS =
      Set.of(
          "if",
          "for",
          "macro",
          "call",
          "filter",
          "with",
          "autoescape",
          "block",
          "unless",
          "ifchanged");

  private final String source;
  private int pos;
  private int blockDepth;

  private TemplateScan(String source) {
    this.source = source;
  }

  /**
   * Checks {@code source}.
   *
   * @throws ChatTemplateException naming the problem and its line
   */
  static void check(String source) {
    if (source.length() > MAX_SOURCE_CHARS) {
      throw new ChatTemplateException(
          "the chat template is "
              + source.length()
              + " characters long, over the limit of "
              + MAX_SOURCE_CHARS);
    }
    new TemplateScan(source).scan();
  }

  private void scan() {
    while (true) {
      int open = source.indexOf('{', pos);
      if (open < 0 || open + 1 >= source.length()) {
        return;
      }
      char kind = source.charAt(open + 1);
      pos = open + 2;
      switch (kind) {
        case '#' -> skipPast("#}", open);
        case '{' -> tag(open, "}}", false);
        case '%' -> tag(open, "%}", true);
        default -> pos = open + 1;
      }
    }
  }

  private void skipPast(String end, int start) {
    int at = source.indexOf(end, pos);
    if (at < 0) {
      throw error(start, "a comment is not closed");
    }
    pos = at + end.length();
  }

  /**
   * Scans one {@code {{ }}} or {@code {% %}} tag from {@link #pos}, its opening at {@code start}.
   */
  private void tag(int start, String end, boolean statement) {
    int bodyStart = pos;
    int brackets = 0;
    while (true) {
      if (pos >= source.length()) {
        throw error(start, "a tag is not closed: no '" + end + "' after its brackets close");
      }
      char c = source.charAt(pos);
      if (c == '\'' || c == '"') {
        skipString();
        continue;
      }
      if (brackets == 0 && source.startsWith(end, pos)) {
        break;
      }
      if (c == '(' || c == '[' || c == '{') {
        if (++brackets > MAX_BRACKET_DEPTH) {
          throw error(pos, "brackets nest deeper than " + MAX_BRACKET_DEPTH + " levels");
        }
      } else if (c == ')' || c == ']' || c == '}') {
        brackets = Math.max(0, brackets - 1);
      }
      pos++;
    }
    String body = source.substring(bodyStart, pos);
    pos += end.length();
    if (statement) {
      statement(start, body);
    }
  }

  private void skipString() {
    int close = JinjaTokens.stringEnd(source, pos);
    if (close >= source.length()) {
      throw error(pos, "a string is not closed");
    }
    pos = close + 1;
  }

  /** Tracks block nesting from a statement's body, e.g. {@code - if x -}. */
  private void statement(int start, String body) {
    String text = body.strip();
    if (text.startsWith("-") || text.startsWith("+")) {
      text = text.substring(1).strip();
    }
    int nameEnd = 0;
    while (nameEnd < text.length() && Character.isLetter(text.charAt(nameEnd))) nameEnd++;
    String name = text.substring(0, nameEnd);
    if (name.equals("raw")) {
      int endRaw = source.indexOf("endraw", pos);
      if (endRaw < 0) {
        throw error(start, "a raw block is not closed");
      }
      pos = endRaw;
      return;
    }
    // "{% set x %}...{% endset %}" is a block; "{% set x = y %}" is not.
    boolean opens = BLOCK_TAGS.contains(name) || (name.equals("set") && !text.contains("="));
    if (opens) {
      if (++blockDepth > MAX_BLOCK_DEPTH) {
        throw error(start, "blocks nest deeper than " + MAX_BLOCK_DEPTH + " levels");
      }
    } else if (name.startsWith("end") && blockDepth > 0) {
      blockDepth--;
    }
  }

  private ChatTemplateException error(int at, String problem) {
    int line = 1;
    for (int i = 0; i < at && i < source.length(); i++) {
      if (source.charAt(i) == '\n') line++;
    }
    return new ChatTemplateException("line " + line + ": " + problem);
  }
}
