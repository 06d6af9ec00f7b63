package dev.kernelj.llm.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A chat template's source cut into jinja2's lexical pieces (text, {@code {{ }}} and {@code {% %}}
 * tags, raw blocks; comments dropped), with jinja2's whitespace rules already applied to the text,
 * as transformers configures them: newlines normalised to {@code \n} and one trailing newline
 * dropped, {@code trim_blocks} (the newline after a block tag or comment goes), {@code
 * lstrip_blocks} (blanks from the start of a line up to a block tag or comment go, and only then),
 * {@code -} (all whitespace on that side goes) and {@code +} (none does).
 *
 * <p>Jinjava applies its own rules where jinja2's differ (it strips blanks before a tag in the
 * middle of a line, so {@code "a, {% endif %}"} lost its space), so {@link JinjaSourceRewriter}
 * hands it the text with the whitespace already resolved and its trimming off. The newlines the
 * rules remove are counted on the pieces, so that the rewritten source can keep every tag on its
 * line and errors name the template's own lines.
 *
 * <p>The same pass bounds what Jinjava handles badly: its parser recurses once per nested block and
 * per nested bracket (2,000 nested {@code {% if %}} overflow the stack, 5,000 nested parentheses
 * take 40 s first), so the source's size, its block nesting and each tag's bracket nesting are
 * limited before Jinjava sees it.
 */
final class JinjaLexer {
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

  /** One lexical piece. */
  sealed interface Segment {}

  /** Template text, printed as it is. */
  record Text(String text) implements Segment {}

  /**
   * A tag.
   *
   * @param block {@code {% %}} rather than {@code {{ }}}
   * @param body what stands between the markers, whitespace control removed
   * @param newlinesBefore newlines of the text before it that whitespace control removed
   * @param newlinesAfter newlines of the text after it that whitespace control removed
   */
  record Tag(boolean block, String body, int newlinesBefore, int newlinesAfter) implements Segment {
    /** The tag's name: the first word of a block tag's body, "" for a {@code {{ }}} tag. */
    String name() {
      if (!block) return "";
      String s = body.strip();
      int end = 0;
      while (end < s.length()
          && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_')) {
        end++;
      }
      return s.substring(0, end);
    }

    /**
     * Whether an end tag closes this one: {@code if}, {@code for} and the other block tags, and a
     * {@code set} with a body ({@code {% set x %}...{% endset %}}, not {@code {% set x = y %}}).
     */
    boolean opensBlock() {
      String name = name();
      return BLOCK_TAGS.contains(name) || name.equals("set") && !body.contains("=");
    }
  }

  /** The text of a raw block, printed as it is. */
  record Raw(String content, int newlinesBefore, int newlinesAfter) implements Segment {}

  /** A comment, or only removed whitespace: prints nothing, spans {@code newlines} lines. */
  record Gap(int newlines) implements Segment {}

  private final String source;
  private final List<Segment> out = new ArrayList<>();
  private int pos;

  /** Whether the text being read starts a line (jinja2's {@code line_starting}). */
  private boolean lineStarting = true;

  /** Block tags open at {@link #pos}. */
  private int blockDepth;

  private JinjaLexer(String source) {
    this.source = source;
  }

  /**
   * Lexes {@code template}.
   *
   * @throws ChatTemplateException naming the line of a tag, comment, string or raw block that is
   *     not closed, or of the block or bracket that nests too deep; or the source's size
   */
  static List<Segment> lex(String template) {
    if (template.length() > MAX_SOURCE_CHARS) {
      throw new ChatTemplateException(
          "the chat template is "
              + template.length()
              + " characters long, over the limit of "
              + MAX_SOURCE_CHARS);
    }
    String s = template.replace("\r\n", "\n").replace('\r', '\n');
    if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
    JinjaLexer lexer = new JinjaLexer(s);
    lexer.run();
    return lexer.out;
  }

  private void run() {
    while (pos < source.length()) {
      int open = nextOpener(pos);
      if (open < 0) {
        out.add(new Text(source.substring(pos)));
        return;
      }
      char kind = source.charAt(open + 1);
      char control = open + 2 < source.length() ? source.charAt(open + 2) : 0;
      boolean marked = control == '-' || control == '+';
      String text = source.substring(pos, open);
      int removed = 0;
      if (control == '-') {
        String kept = stripTrailing(text);
        removed = newlines(text, kept.length(), text.length());
        text = kept;
      } else if (control != '+' && kind != '{') {
        int lineStart = text.lastIndexOf('\n') + 1;
        if ((lineStart > 0 || lineStarting) && isBlank(text, lineStart)) {
          text = text.substring(0, lineStart);
        }
      }
      if (!text.isEmpty()) out.add(new Text(text));
      int bodyStart = open + 2 + (marked ? 1 : 0);
      switch (kind) {
        case '#' -> comment(open, bodyStart, removed);
        case '{' -> tag(open, bodyStart, false, removed);
        default -> {
          if (!raw(open, bodyStart, removed)) tag(open, bodyStart, true, removed);
        }
      }
    }
  }

  /** The next {@code {{}, {@code {%} or {@code {#} from {@code from}, or -1. */
  private int nextOpener(int from) {
    for (int i = source.indexOf('{', from); i >= 0; i = source.indexOf('{', i + 1)) {
      if (i + 1 < source.length()) {
        char c = source.charAt(i + 1);
        if (c == '{' || c == '%' || c == '#') return i;
      }
    }
    return -1;
  }

  private void comment(int open, int bodyStart, int removedBefore) {
    int close = source.indexOf("#}", bodyStart);
    if (close < 0) throw error(open, "a comment is not closed");
    boolean minus = source.charAt(close - 1) == '-' && close - 1 >= bodyStart;
    boolean plus = source.charAt(close - 1) == '+' && close - 1 >= bodyStart;
    int end = afterClose(close + 2, minus, !plus);
    out.add(new Gap(removedBefore + newlines(source, open, end)));
  }

  /**
   * A {@code {% raw %}} block at {@code open}, if it is one: its text up to {@code {% endraw %}},
   * with the whitespace control of both tags applied.
   */
  private boolean raw(int open, int bodyStart, int removedBefore) {
    int i = skipWhitespace(bodyStart);
    if (!source.startsWith("raw", i)) return false;
    int afterWord = skipWhitespace(i + 3);
    boolean minus = source.startsWith("-%}", afterWord);
    if (!minus && !source.startsWith("%}", afterWord)) return false;
    // jinja2 trims nothing after "{% raw %}" itself; "-%}" strips the blanks after it.
    int contentStart = afterWord + (minus ? 3 : 2);
    if (minus) contentStart = skipWhitespace(contentStart);
    int endTag = findEndRaw(contentStart);
    if (endTag < 0) throw error(open, "a raw block is not closed");
    String content = source.substring(contentStart, endTag);
    char control = source.charAt(endTag + 2);
    int removedInside = 0;
    if (control == '-') {
      String kept = stripTrailing(content);
      removedInside = newlines(content, kept.length(), content.length());
      content = kept;
    } else if (control != '+') {
      int lineStart = content.lastIndexOf('\n') + 1;
      boolean starting = lineStart > 0 || minus && source.charAt(contentStart - 1) == '\n';
      if (starting && isBlank(content, lineStart)) content = content.substring(0, lineStart);
    }
    int close = source.indexOf("%}", endTag);
    boolean endMinus = source.charAt(close - 1) == '-';
    boolean endPlus = source.charAt(close - 1) == '+';
    int end = afterClose(close + 2, endMinus, !endPlus);
    out.add(
        new Raw(
            content,
            removedBefore + newlines(source, open, contentStart),
            removedInside + newlines(source, endTag, end)));
    return true;
  }

  /** Where {@code {% endraw %}} (with any whitespace control) starts from {@code from}, or -1. */
  private int findEndRaw(int from) {
    for (int at = source.indexOf("{%", from); at >= 0; at = source.indexOf("{%", at + 1)) {
      int i = at + 2;
      if (i < source.length() && (source.charAt(i) == '-' || source.charAt(i) == '+')) i++;
      i = skipWhitespace(i);
      if (!source.startsWith("endraw", i)) continue;
      i = skipWhitespace(i + 6);
      if (source.startsWith("%}", i)
          || source.startsWith("-%}", i)
          || source.startsWith("+%}", i)) {
        return at;
      }
    }
    return -1;
  }

  /**
   * A {@code {{ }}} or {@code {% %}} tag whose body starts at {@code bodyStart}: it ends at the
   * first closing marker outside strings with its brackets balanced, as jinja2 reads it.
   */
  private void tag(int open, int bodyStart, boolean block, int removedBefore) {
    String close = block ? "%}" : "}}";
    int depth = 0;
    int i = bodyStart;
    while (true) {
      if (i >= source.length()) {
        throw error(open, "a tag is not closed: no '" + close + "' after its brackets close");
      }
      char c = source.charAt(i);
      if (c == '\'' || c == '"') {
        i = skipString(i);
        continue;
      }
      if (depth == 0) {
        boolean minus = c == '-' && source.startsWith(close, i + 1);
        boolean plus = block && c == '+' && source.startsWith(close, i + 1);
        if (minus || plus || source.startsWith(close, i)) {
          int closeAt = minus || plus ? i + 1 : i;
          int end = afterClose(closeAt + 2, minus, block && !plus);
          String body = source.substring(bodyStart, i);
          Tag tag = new Tag(block, body, removedBefore, newlines(source, closeAt + 2, end));
          nest(tag, open);
          out.add(tag);
          return;
        }
      }
      if (c == '(' || c == '[' || c == '{') {
        if (++depth > MAX_BRACKET_DEPTH) {
          throw error(i, "brackets nest deeper than " + MAX_BRACKET_DEPTH + " levels");
        }
      } else if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
      i++;
    }
  }

  /** Tracks block nesting across block tags. */
  private void nest(Tag tag, int open) {
    if (tag.opensBlock()) {
      if (++blockDepth > MAX_BLOCK_DEPTH) {
        throw error(open, "blocks nest deeper than " + MAX_BLOCK_DEPTH + " levels");
      }
    } else if (tag.name().startsWith("end") && blockDepth > 0) {
      blockDepth--;
    }
  }

  /**
   * Where the text after a closing marker at {@code from} starts: past all whitespace after a
   * {@code -}, past one newline after a block tag or comment (trim_blocks) unless {@code +}.
   */
  private int afterClose(int from, boolean minus, boolean trimNewline) {
    int end = from;
    if (minus) {
      end = skipWhitespace(from);
    } else if (trimNewline && end < source.length() && source.charAt(end) == '\n') {
      end++;
    }
    pos = end;
    lineStarting = end > 0 && source.charAt(end - 1) == '\n';
    return end;
  }

  /** Past the string literal opening at {@code at} (backslash escapes, any line). */
  private int skipString(int at) {
    int close = JinjaTokens.stringEnd(source, at);
    if (close >= source.length()) throw error(at, "a string is not closed");
    return close + 1;
  }

  private int skipWhitespace(int i) {
    while (i < source.length() && isSpace(source.charAt(i))) i++;
    return i;
  }

  /**
   * Python's whitespace (regex \\s, str.strip): Java's, and the no-break spaces Java leaves out.
   */
  static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c);
  }

  private static String stripTrailing(String s) {
    int end = s.length();
    while (end > 0 && isSpace(s.charAt(end - 1))) end--;
    return s.substring(0, end);
  }

  /** Whether {@code text} from {@code from} is one or more whitespace characters (jinja2's \s+). */
  private static boolean isBlank(String text, int from) {
    if (from >= text.length()) return false;
    for (int i = from; i < text.length(); i++) {
      if (!isSpace(text.charAt(i))) return false;
    }
    return true;
  }

  private static int newlines(String s, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) if (s.charAt(i) == '\n') n++;
    return n;
  }

  private ChatTemplateException error(int at, String problem) {
    return new ChatTemplateException("line " + (1 + newlines(source, 0, at)) + ": " + problem);
  }
}
