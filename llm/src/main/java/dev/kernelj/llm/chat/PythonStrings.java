package dev.kernelj.llm.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Python {@code str} methods with Python's semantics, for chat templates. */
final class PythonStrings {

  /**
   * The text of a string literal as Jinja2 reads it, through Python's {@code unicode_escape}: the
   * one-letter escapes (backslash n, t, ...), octal, backslash x with two hex digits, backslash u
   * with four, backslash U with eight, backslash N with a character's name in braces; a backslash
   * before a newline is dropped with it, and any other backslash is kept as it is.
   */
  static String unescape(String raw) {
    StringBuilder out = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '\\' || i + 1 == raw.length()) {
        out.append(c);
        continue;
      }
      char e = raw.charAt(++i);
      switch (e) {
        case '\n' -> {}
        case '\\', '\'', '"' -> out.append(e);
        case 'a' -> out.append('\u0007');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'v' -> out.append('\u000B');
        case 'x', 'u', 'U' -> {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          int code = hex(raw, i + 1, digits);
          if (code < 0 || !Character.isValidCodePoint(code)) {
            out.append('\\').append(e);
          } else {
            out.appendCodePoint(code);
            i += digits;
          }
        }
        case 'N' -> {
          int close = raw.indexOf('}', i);
          int code = -1;
          if (i + 1 < raw.length() && raw.charAt(i + 1) == '{' && close > 0) {
            try {
              code = Character.codePointOf(raw.substring(i + 2, close));
            } catch (IllegalArgumentException unknown) {
              code = -1;
            }
          }
          if (code < 0) {
            out.append('\\').append(e);
          } else {
            out.appendCodePoint(code);
            i = close;
          }
        }
        default -> {
          if (e >= '0' && e <= '7') {
            int code = 0;
            int n = 0;
            while (n < 3 && i < raw.length() && raw.charAt(i) >= '0' && raw.charAt(i) <= '7') {
              code = code * 8 + raw.charAt(i++) - '0';
              n++;
            }
            i--;
            out.append((char) code);
          } else {
            out.append('\\').append(e);
          }
        }
      }
    }
    return out.toString();
  }

  private static int hex(String s, int from, int digits) {
    if (from + digits > s.length()) return -1;
    int value = 0;
    for (int i = from; i < from + digits; i++) {
      int d = Character.digit(s.charAt(i), 16);
      if (d < 0 || s.charAt(i) > 0x7f) return -1;
      value = value * 16 + d;
    }
    return value;
  }

  /** Marks a call this class does not implement, so that Jinjava's own resolution runs. */
  static final Object NOT_HANDLED = new Object();

  private PythonStrings() {}

  static Object call(String s, String name, Object[] a) {
    return switch (name) {
      case "startswith" ->
          a.length == 1
              ? anyMatch(a[0], s::startsWith)
              : a.length == 2 ? anyMatch(a[0], from(s, a[1])::startsWith) : NOT_HANDLED;
      case "endswith" -> a.length == 1 ? anyMatch(a[0], s::endsWith) : NOT_HANDLED;
      case "removeprefix" ->
          a.length == 1
              ? (s.startsWith(a[0].toString()) ? s.substring(a[0].toString().length()) : s)
              : NOT_HANDLED;
      case "removesuffix" ->
          a.length == 1 && !a[0].toString().isEmpty()
              ? (s.endsWith(a[0].toString())
                  ? s.substring(0, s.length() - a[0].toString().length())
                  : s)
              : NOT_HANDLED;
      case "rsplit" ->
          a.length == 2 && a[0] != null
              ? rsplit(s, a[0].toString(), ((Number) a[1]).intValue())
              : a.length <= 1 ? call(s, "split", a) : NOT_HANDLED;
      case "splitlines" -> a.length == 0 ? splitLines(s) : NOT_HANDLED;
      case "swapcase" -> a.length == 0 ? swapCase(s) : NOT_HANDLED;
      case "rfind" -> a.length == 1 ? (long) s.lastIndexOf(a[0].toString()) : NOT_HANDLED;
      case "index", "rindex" -> a.length == 1 ? index(s, a[0].toString(), name) : NOT_HANDLED;
      case "zfill" -> a.length == 1 ? zfill(s, ((Number) a[0]).intValue()) : NOT_HANDLED;
      case "isalpha" ->
          a.length == 0
              ? !s.isEmpty() && s.codePoints().allMatch(Character::isLetter)
              : NOT_HANDLED;
      case "isalnum" ->
          a.length == 0
              ? !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit)
              : NOT_HANDLED;
      case "strip" -> a.length <= 1 ? strip(s, chars(a), true, true) : NOT_HANDLED;
      case "lstrip" -> a.length <= 1 ? strip(s, chars(a), true, false) : NOT_HANDLED;
      case "rstrip" -> a.length <= 1 ? strip(s, chars(a), false, true) : NOT_HANDLED;
      case "split" ->
          a.length <= 2
              ? split(
                  s,
                  a.length > 0 && a[0] != null ? a[0].toString() : null,
                  a.length > 1 ? ((Number) a[1]).intValue() : -1)
              : NOT_HANDLED;
      case "upper" -> a.length == 0 ? s.toUpperCase(java.util.Locale.ROOT) : NOT_HANDLED;
      case "lower" -> a.length == 0 ? s.toLowerCase(java.util.Locale.ROOT) : NOT_HANDLED;
      case "title" -> a.length == 0 ? title(s) : NOT_HANDLED;
      case "capitalize" ->
          a.length == 0
              ? (s.isEmpty()
                  ? s
                  : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                      + s.substring(1).toLowerCase(java.util.Locale.ROOT))
              : NOT_HANDLED;
      case "replace" ->
          a.length == 2 || a.length == 3
              ? replace(
                  s,
                  a[0].toString(),
                  a[1].toString(),
                  a.length == 3 ? ((Number) a[2]).intValue() : -1)
              : NOT_HANDLED;
      case "find" -> a.length == 1 ? (long) s.indexOf(a[0].toString()) : NOT_HANDLED;
      case "count" -> a.length == 1 ? count(s, a[0].toString()) : NOT_HANDLED;
      case "join" ->
          a.length == 1 && a[0] instanceof Iterable<?> items ? join(s, items) : NOT_HANDLED;
      case "isspace" ->
          a.length == 0 ? !s.isEmpty() && s.chars().allMatch(Character::isWhitespace) : NOT_HANDLED;
      case "isdigit" ->
          a.length == 0 ? !s.isEmpty() && s.chars().allMatch(Character::isDigit) : NOT_HANDLED;
      default -> NOT_HANDLED;
    };
  }

  /** {@code s[start:]}, as Python's {@code startswith(prefix, start)} looks at it. */
  private static String from(String s, Object start) {
    int i = ((Number) start).intValue();
    if (i < 0) i = Math.max(0, s.length() + i);
    return i >= s.length() ? "" : s.substring(i);
  }

  private static List<String> rsplit(String s, String sep, int maxSplit) {
    if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
    List<String> parts = new ArrayList<>();
    int end = s.length();
    int at;
    while ((maxSplit < 0 || parts.size() < maxSplit)
        && (at = s.lastIndexOf(sep, end - sep.length())) >= 0) {
      parts.add(s.substring(at + sep.length(), end));
      end = at;
    }
    parts.add(s.substring(0, end));
    java.util.Collections.reverse(parts); // gathered from the right
    return parts;
  }

  /** Python's line boundaries: \\n, \\r, \\r\\n, \\v, \\f, \\x1c-\\x1e, \\x85, U+2028, U+2029. */
  static List<String> splitLines(String s) {
    List<String> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean boundary =
          c == '\n'
              || c == '\r'
              || c == 0x0b
              || c == 0x0c
              || (c >= 0x1c && c <= 0x1e)
              || c == 0x85
              || c == 0x2028
              || c == 0x2029;
      if (boundary) {
        lines.add(s.substring(start, i));
        if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
        start = i + 1;
      }
    }
    if (start < s.length()) lines.add(s.substring(start));
    return lines;
  }

  private static String swapCase(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            c ->
                out.appendCodePoint(
                    Character.isUpperCase(c)
                        ? Character.toLowerCase(c)
                        : Character.isLowerCase(c) ? Character.toUpperCase(c) : c));
    return out.toString();
  }

  private static long index(String s, String sub, String name) {
    int at = name.equals("index") ? s.indexOf(sub) : s.lastIndexOf(sub);
    if (at < 0) throw new IllegalArgumentException("substring not found");
    return at;
  }

  private static String zfill(String s, int width) {
    if (s.length() >= width) return s;
    if (width > ChatTemplate.MAX_OUTPUT_BYTES) {
      throw new TemplateFunctions.TemplateLimitException(
          "zfill(" + width + ") is longer than a render may be");
    }
    boolean sign = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+');
    String zeros = "0".repeat(width - s.length());
    return sign ? s.charAt(0) + zeros + s.substring(1) : zeros + s;
  }

  private static boolean anyMatch(Object prefixes, java.util.function.Predicate<String> test) {
    if (prefixes instanceof Collection<?> options) {
      return options.stream().anyMatch(o -> test.test(String.valueOf(o)));
    }
    return test.test(String.valueOf(prefixes));
  }

  private static String chars(Object[] a) {
    return a.length == 0 || a[0] == null ? null : a[0].toString();
  }

  /** Python strip: whitespace when {@code chars} is null, else any of the given characters. */
  static String strip(String s, String chars, boolean left, boolean right) {
    int start = 0;
    int end = s.length();
    while (left && start < end && strippable(s.charAt(start), chars)) start++;
    while (right && end > start && strippable(s.charAt(end - 1), chars)) end--;
    return s.substring(start, end);
  }

  private static boolean strippable(char c, String chars) {
    return chars == null
        ? Character.isWhitespace(c) || Character.isSpaceChar(c)
        : chars.indexOf(c) >= 0;
  }

  /**
   * Python split: exact separator keeping empty parts, or whitespace runs when {@code sep} is null.
   */
  static List<String> split(String s, String sep, int maxSplit) {
    List<String> parts = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      while (i < s.length()) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        if (i == s.length()) break;
        if (maxSplit >= 0 && parts.size() == maxSplit) {
          parts.add(strip(s.substring(i), null, false, true));
          return parts;
        }
        int j = i;
        while (j < s.length() && !Character.isWhitespace(s.charAt(j))) j++;
        parts.add(s.substring(i, j));
        i = j;
      }
      return parts;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int from = 0;
    int at;
    while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
      parts.add(s.substring(from, at));
      from = at + sep.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  private static String replace(String s, String old, String with, int count) {
    if (count < 0) return s.replace(old, with);
    StringBuilder out = new StringBuilder();
    int from = 0;
    for (int n = 0; n < count; n++) {
      int at = s.indexOf(old, from);
      if (at < 0) break;
      out.append(s, from, at).append(with);
      from = at + old.length();
    }
    return out.append(s.substring(from)).toString();
  }

  private static long count(String s, String sub) {
    if (sub.isEmpty()) return s.length() + 1L;
    long n = 0;
    for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
    return n;
  }

  private static String join(String sep, Iterable<?> items) {
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (Object o : items) {
      if (!first) out.append(sep);
      out.append(o);
      first = false;
    }
    return out.toString();
  }

  private static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean previousCased = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
      previousCased = Character.isLetter(c);
    }
    return out.toString();
  }
}
