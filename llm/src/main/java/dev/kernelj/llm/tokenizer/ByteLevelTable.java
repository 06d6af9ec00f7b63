package dev.kernelj.llm.tokenizer;

/**
 * GPT-2's reversible byte-to-character table used by byte-level BPE: every byte maps to a printable
 * Unicode character so that BPE can work on strings without ever seeing raw whitespace or control
 * bytes. Printable Latin-1 bytes map to themselves; the 68 others map to U+0100 upwards in byte
 * order.
 */
final class ByteLevelTable {

  private static final char[] BYTE_TO_CHAR = new char[256];

  /** Index = character, value = byte, or -1 when the character is not in the table. */
  private static final short[] CHAR_TO_BYTE = new short[0x200];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      char c = (char) (printable ? b : next++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = (short) b;
    }
  }

  private ByteLevelTable() {}

  /** The character standing for byte {@code b} (0..255). */
  static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xFF];
  }

  /** The byte a character stands for, or -1 when {@code c} is not a byte-level character. */
  static int byteOf(int c) {
    return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
  }

  /** Maps the UTF-8 bytes of {@code text} to their byte-level characters. */
  static String encode(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        out.append(BYTE_TO_CHAR[c]);
      } else if (c < 0x800) {
        out.append(BYTE_TO_CHAR[0xC0 | (c >> 6)]).append(BYTE_TO_CHAR[0x80 | (c & 0x3F)]);
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, text.charAt(++i));
        out.append(BYTE_TO_CHAR[0xF0 | (cp >> 18)])
            .append(BYTE_TO_CHAR[0x80 | ((cp >> 12) & 0x3F)])
            .append(BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3F)])
            .append(BYTE_TO_CHAR[0x80 | (cp & 0x3F)]);
      } else {
        // A lone surrogate cannot come from valid text; encode it as U+FFFD like Rust strings would
        // hold.
        int cp = Character.isSurrogate(c) ? 0xFFFD : c;
        out.append(BYTE_TO_CHAR[0xE0 | (cp >> 12)])
            .append(BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3F)])
            .append(BYTE_TO_CHAR[0x80 | (cp & 0x3F)]);
      }
    }
    return out.toString();
  }
}
