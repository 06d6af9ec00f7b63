package dev.kernelj.llm.tokenizer;

/**
 * UTF-8 helpers with Rust's semantics, because HF tokenizers (Rust) defines the expected output:
 * {@code String::from_utf8_lossy} replaces each maximal invalid subpart with one U+FFFD, and {@code
 * String::from_utf8} is all-or-nothing.
 */
final class Utf8 {

  private Utf8() {}

  /** Decodes {@code bytes[0..length)}, replacing each maximal invalid subpart by U+FFFD. */
  static String decodeLossy(byte[] bytes, int length) {
    StringBuilder out = new StringBuilder(length);
    scan(bytes, length, out);
    return out.toString();
  }

  /** True when {@code bytes[0..length)} is entirely valid UTF-8. */
  static boolean isValid(byte[] bytes, int length) {
    return scan(bytes, length, null);
  }

  /**
   * Walks the bytes, appending decoded text to {@code out} when it is not null.
   *
   * @return whether every byte was part of a well-formed sequence
   */
  private static boolean scan(byte[] bytes, int length, StringBuilder out) {
    boolean valid = true;
    int i = 0;
    while (i < length) {
      int b0 = bytes[i] & 0xFF;
      if (b0 < 0x80) {
        if (out != null) out.append((char) b0);
        i++;
        continue;
      }
      int need;
      int lo = 0x80;
      int hi = 0xBF;
      if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
      } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
      } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
      } else {
        if (out != null) out.append('\uFFFD');
        valid = false;
        i++;
        continue;
      }
      int cp = b0 & (0x3F >> need);
      int j = i + 1;
      boolean ok = true;
      for (int k = 0; k < need; k++, j++) {
        int b = j < length ? bytes[j] & 0xFF : -1;
        if (b < (k == 0 ? lo : 0x80) || b > (k == 0 ? hi : 0xBF)) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (b & 0x3F);
      }
      if (!ok) valid = false;
      if (out != null) {
        if (ok) out.appendCodePoint(cp);
        else out.append('\uFFFD');
      }
      i = j;
    }
    return valid;
  }
}
