package dev.kernelj.llm.util;

/**
 * The text at the end of a stream that may still grow into a marker: what a streamer holds back so
 * that a stop string, a {@code </think>} or a {@code <tool_call>} split across tokens is never
 * emitted in part.
 */
public final class PartialMatch {

  private PartialMatch() {}

  /**
   * The length of the longest end of {@code text}, starting no earlier than {@code from}, that is a
   * proper prefix of {@code marker}; 0 if none.
   */
  public static int atEnd(CharSequence text, int from, String marker) {
    for (int n = Math.min(marker.length() - 1, text.length() - from); n > 0; n--) {
      if (endsWith(text, marker, n)) return n;
    }
    return 0;
  }

  /** Whether {@code text} ends with the first {@code n} characters of {@code marker}. */
  private static boolean endsWith(CharSequence text, String marker, int n) {
    int start = text.length() - n;
    for (int i = 0; i < n; i++) {
      if (text.charAt(start + i) != marker.charAt(i)) return false;
    }
    return true;
  }
}
