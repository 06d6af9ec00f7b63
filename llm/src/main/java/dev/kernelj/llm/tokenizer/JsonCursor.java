package dev.kernelj.llm.tokenizer;

/**
 * A forward-only JSON reader over the raw UTF-8 bytes of a file, for the large sections of {@code
 * tokenizer.json} (Llama 3's vocabulary and merges are 9 MB). It decodes strings into one reused
 * {@code char} buffer instead of allocating a {@code String} per value, so that merge rules can be
 * looked up without creating any objects; a general JSON library cannot offer that.
 *
 * <p>Every reading method takes the JSON path of what it reads, so that malformed input becomes a
 * {@link TokenizerFormatException} naming the file and the field. Paths are passed as a prefix and
 * a key, joined only when an error is reported, to keep the per-entry cost of the happy path at
 * zero.
 */
final class JsonCursor {

  private final byte[] in;
  private final JsonSpec spec;
  private int pos;

  /** The last string decoded by {@link #readString}; valid up to the length it returned. */
  char[] chars = new char[256];

  JsonCursor(byte[] in, JsonSpec spec) {
    this.in = in;
    this.spec = spec;
  }

  int position() {
    return pos;
  }

  void seek(int position) {
    pos = position;
  }

  /** The next significant character without consuming it. */
  char peek(String field) {
    skipWhitespace();
    if (pos >= in.length) {
      throw spec.error(field, "the file ends in the middle of the JSON");
    }
    return (char) (in[pos] & 0xFF);
  }

  void expect(char c, String field) {
    char at = peek(field);
    if (at != c) {
      throw malformed(field, "expected '" + c + "' but found " + describe(at));
    }
    pos++;
  }

  /**
   * Call right after an opening {@code {} or {@code [} ({@code first} true) and after each
   * member: consumes the separating comma or the closing bracket.
   *
   * @return whether another member follows
   */
  boolean hasNext(char close, boolean first, String field) {
    char c = peek(field);
    if (c == close) {
      pos++;
      return false;
    }
    if (!first) {
      if (c != ',') {
        throw malformed(field, "expected ',' or '" + close + "' but found " + describe(c));
      }
      pos++;
    }
    return true;
  }

  /** Reads an object member's name and its colon. */
  String name(String field) {
    String name = stringValue(field);
    expect(':', field);
    return name;
  }

  String stringValue(String field) {
    int length = readString(0, field, "");
    return new String(chars, 0, length);
  }

  /**
   * Decodes the string at the cursor into {@link #chars} starting at {@code offset}.
   *
   * @return the end of the decoded text in {@link #chars}
   */
  int readString(int offset, String field, String key) {
    if (peek(field) != '"') {
      throw spec.error(at(field, key), "expected a string but found " + describe(peek(field)));
    }
    int p = pos + 1;
    int n = offset;
    byte[] b = in;
    while (true) {
      if (p >= b.length) {
        throw spec.error(at(field, key), "the file ends in the middle of the JSON");
      }
      if (n + 2 > chars.length) {
        chars = java.util.Arrays.copyOf(chars, chars.length * 2);
      }
      int c = b[p++];
      if (c >= 0) {
        if (c == '"') break;
        if (c == '\\') {
          pos = p;
          chars[n++] = escape(field, key);
          p = pos;
        } else {
          chars[n++] = (char) c;
        }
      } else {
        pos = p - 1;
        n = utf8(n, field, key);
        p = pos;
      }
    }
    pos = p;
    return n;
  }

  private char escape(String owner, String key) {
    if (pos >= in.length)
      throw spec.error(at(owner, key), "the file ends in the middle of the JSON");
    char e = (char) in[pos++];
    return switch (e) {
      case '"', '\\', '/' -> e;
      case 'b' -> '\b';
      case 'f' -> '\f';
      case 'n' -> '\n';
      case 'r' -> '\r';
      case 't' -> '\t';
      case 'u' -> {
        if (pos + 4 > in.length)
          throw spec.error(at(owner, key), "the file ends in the middle of the JSON");
        int v = 0;
        for (int i = 0; i < 4; i++) {
          int digit = Character.digit(in[pos++], 16);
          if (digit < 0) throw malformed(at(owner, key), "bad \\u escape");
          v = v << 4 | digit;
        }
        yield (char) v;
      }
      default -> throw malformed(at(owner, key), "unknown escape \\" + e);
    };
  }

  /** Decodes one multi-byte UTF-8 sequence at {@code pos} into {@link #chars} at {@code n}. */
  private int utf8(int n, String owner, String key) {
    int b0 = in[pos] & 0xFF;
    int length = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
    int min = length == 4 ? 0x10000 : length == 3 ? 0x800 : 0x80;
    if (b0 < 0xC2 || b0 > 0xF4 || pos + length > in.length) {
      throw malformed(at(owner, key), "not valid UTF-8");
    }
    int cp = b0 & (0x7F >> length);
    for (int i = 1; i < length; i++) {
      int next = in[pos + i] & 0xFF;
      if ((next & 0xC0) != 0x80) throw malformed(at(owner, key), "not valid UTF-8");
      cp = cp << 6 | (next & 0x3F);
    }
    if (cp < min || cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
      throw malformed(at(owner, key), "not valid UTF-8");
    }
    pos += length;
    if (cp >= 0x10000) {
      chars[n++] = Character.highSurrogate(cp);
      chars[n++] = Character.lowSurrogate(cp);
    } else {
      chars[n++] = (char) cp;
    }
    return n;
  }

  /**
   * An integer; integral numbers written with a fraction or exponent ({@code 3.0}) are accepted.
   */
  int intValue(String field, String key) {
    char c = peek(field);
    if (c != '-' && (c < '0' || c > '9')) {
      throw spec.error(at(field, key), "expected an integer id but found " + describe(c));
    }
    int start = pos;
    boolean negative = c == '-';
    if (negative) pos++;
    long v = 0;
    int digits = 0;
    while (pos < in.length && in[pos] >= '0' && in[pos] <= '9' && digits < 12) {
      v = v * 10 + (in[pos++] - '0');
      digits++;
    }
    if (pos < in.length
        && (in[pos] == '.'
            || in[pos] == 'e'
            || in[pos] == 'E'
            || (in[pos] >= '0' && in[pos] <= '9'))) {
      while (pos < in.length && "0123456789.eE+-".indexOf(in[pos]) >= 0) pos++;
      String text = new String(in, start, pos - start, java.nio.charset.StandardCharsets.US_ASCII);
      double d;
      try {
        d = Double.parseDouble(text);
      } catch (NumberFormatException e) {
        throw malformed(at(field, key), "bad number " + text);
      }
      if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
        throw spec.error(at(field, key), "expected an integer id but found " + text);
      }
      return (int) d;
    }
    if (digits == 0) throw malformed(at(field, key), "bad number");
    v = negative ? -v : v;
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw spec.error(at(field, key), "expected an integer id but found " + v);
    }
    return (int) v;
  }

  /** A string or null. */
  String nullableString(String field) {
    return consumeNull(field) ? null : stringValue(field);
  }

  /** A boolean; null reads as false. */
  boolean nullableBool(String field) {
    if (consumeNull(field)) return false;
    if (consumeLiteral("true")) return true;
    if (consumeLiteral("false")) return false;
    throw spec.error(field, "expected true or false but found " + describe(peek(field)));
  }

  boolean consumeNull(String field) {
    peek(field);
    return consumeLiteral("null");
  }

  private boolean consumeLiteral(String word) {
    if (pos + word.length() > in.length) return false;
    for (int i = 0; i < word.length(); i++) {
      if (in[pos + i] != word.charAt(i)) return false;
    }
    pos += word.length();
    return true;
  }

  /** Skips one value of any kind; returns its start so that the caller may hand the bytes on. */
  int skipValue(String field) {
    char c = peek(field);
    int start = pos;
    switch (c) {
      case '{', '[' -> {
        char close = c == '{' ? '}' : ']';
        pos++;
        for (boolean first = true; hasNext(close, first, field); first = false) {
          if (c == '{') name(field);
          skipValue(field);
        }
      }
      case '"' -> readString(0, field, "");
      default -> {
        while (pos < in.length && ",}] \t\r\n".indexOf(in[pos]) < 0) pos++;
        if (pos == start) throw malformed(field, "expected a value but found " + describe(c));
      }
    }
    return start;
  }

  /** The bytes {@code [from, position())} as text, for parsing a small section as a tree. */
  String textFrom(int from) {
    return new String(in, from, pos - from, java.nio.charset.StandardCharsets.UTF_8);
  }

  private void skipWhitespace() {
    while (pos < in.length) {
      byte b = in[pos];
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return;
      pos++;
    }
  }

  /** The path of {@code key} inside {@code field}; an empty key names the field itself. */
  private static String at(String field, String key) {
    return key.isEmpty() ? field : JsonSpec.join(field, key);
  }

  /** What kind of value starts with {@code c}, for messages. */
  static String describe(char c) {
    return switch (c) {
      case '"' -> "a string";
      case '{' -> "an object";
      case '[' -> "an array";
      case 't', 'f' -> "a boolean";
      case 'n' -> "null";
      default -> c == '-' || (c >= '0' && c <= '9') ? "a number" : "'" + c + "'";
    };
  }

  TokenizerFormatException malformed(String field, String problem) {
    return spec.error(field, "malformed JSON at byte " + pos + ": " + problem);
  }
}
