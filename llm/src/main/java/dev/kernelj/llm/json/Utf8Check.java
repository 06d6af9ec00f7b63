package dev.kernelj.llm.json;

/**
 * Strict UTF-8 validation of a whole file before it is parsed: Jackson decodes names and strings
 * leniently (an invalid lead byte may swallow the quote after it), and a file that is not UTF-8 is
 * better named as such than as whatever syntax error follows. Rejects overlong forms, surrogates,
 * code points above U+10FFFF and truncated sequences, like Java's reporting decoder.
 */
public final class Utf8Check {
  private Utf8Check() {}

  /** The offset of the first byte of {@code bytes[from, to)} that is not valid UTF-8, or -1. */
  public static int firstInvalid(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to) {
      int b0 = bytes[i];
      if (b0 >= 0) {
        i++;
        continue;
      }
      b0 &= 0xFF;
      int length;
      int min;
      if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
        min = 0x80;
      } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        min = 0x800;
      } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        min = 0x10000;
      } else {
        return i;
      }
      if (i + length > to) {
        return i;
      }
      int cp = b0 & (0x7F >> length);
      for (int k = 1; k < length; k++) {
        int next = bytes[i + k] & 0xFF;
        if ((next & 0xC0) != 0x80) {
          return i;
        }
        cp = cp << 6 | (next & 0x3F);
      }
      if (cp < min || cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return i;
      }
      i += length;
    }
    return -1;
  }
}
