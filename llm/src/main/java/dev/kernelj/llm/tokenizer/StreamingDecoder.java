package dev.kernelj.llm.tokenizer;

import java.util.Arrays;

/**
 * Turns generated ids into text one id at a time without ever emitting a broken character.
 *
 * <p>A byte-level token or a {@code <0xNN>} byte-fallback token may carry only part of a UTF-8
 * character; decoding it alone would give U+FFFD. So each step decodes a small window (the tokens
 * already emitted since the last checkpoint, as context, plus the pending ones) and emits only the
 * new text, holding it back while it ends in U+FFFD. The context also keeps decoders that treat the
 * first token specially (SentencePiece's leading-space strip) from dropping a space in the middle
 * of the stream. Not thread-safe: one instance per generation.
 */
public final class StreamingDecoder {

  /**
   * A UTF-8 character spans at most 4 byte tokens; the margin covers pending tokens that decode to
   * nothing (SentencePiece's lone "▁", skipped specials). Past this, a trailing U+FFFD is genuinely
   * invalid output and is emitted rather than held forever.
   */
  private static final int MAX_PENDING = 8;

  private final Tokenizer tokenizer;
  private final boolean skipSpecial;
  private int[] ids = new int[64];
  private int size;

  /** Start of the context window: tokens already emitted, kept for decoder context. */
  private int prefixStart;

  /** Tokens before this index have been emitted. */
  private int readOffset;

  StreamingDecoder(Tokenizer tokenizer, boolean skipSpecial) {
    this.tokenizer = tokenizer;
    this.skipSpecial = skipSpecial;
  }

  /**
   * Adds one generated id.
   *
   * @return the text that became complete with it, possibly empty
   */
  public String push(int id) {
    if (size == ids.length) ids = Arrays.copyOf(ids, size * 2);
    ids[size++] = id;
    String prefix = tokenizer.decode(ids, prefixStart, readOffset, skipSpecial);
    String text = tokenizer.decode(ids, prefixStart, size, skipSpecial);
    boolean incomplete = text.endsWith("\uFFFD") && size - readOffset < MAX_PENDING;
    if (text.length() <= prefix.length() || incomplete) {
      return "";
    }
    String delta =
        text.startsWith(prefix)
            ? text.substring(prefix.length())
            : text.substring(commonPrefix(prefix, text));
    prefixStart = readOffset;
    readOffset = size;
    return delta;
  }

  /** Emits whatever is still held back (an incomplete character becomes U+FFFD) and resets. */
  public String flush() {
    String prefix = tokenizer.decode(ids, prefixStart, readOffset, skipSpecial);
    String text = tokenizer.decode(ids, prefixStart, size, skipSpecial);
    String rest =
        text.length() > prefix.length() && text.startsWith(prefix)
            ? text.substring(prefix.length())
            : "";
    size = 0;
    prefixStart = 0;
    readOffset = 0;
    return rest;
  }

  private static int commonPrefix(String a, String b) {
    int n = Math.min(a.length(), b.length());
    int i = 0;
    while (i < n && a.charAt(i) == b.charAt(i)) i++;
    return i;
  }
}
