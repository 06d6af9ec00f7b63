package dev.kernelj.llm.engine;

import dev.kernelj.llm.util.PartialMatch;
import java.util.List;

/**
 * Streams a sequence's text while watching for stop strings. Text that could still be the start of
 * a stop string is held back, so that a stop string split across tokens is never emitted in part;
 * once one appears, everything from it on is dropped. Public for the serving engines, which stream
 * text the same way.
 */
public final class TextStopper {
  private final List<String> stopStrings;
  private final StringBuilder text = new StringBuilder();
  private int emitted;
  private boolean stopped;

  public TextStopper(List<String> stopStrings) {
    this.stopStrings = stopStrings;
  }

  /** Adds decoded text; returns what may be shown now (possibly empty). */
  public String accept(String delta) {
    if (stopped || delta.isEmpty()) {
      return "";
    }
    int searchFrom = Math.max(0, emitted - longestStop());
    text.append(delta);
    int cut = -1;
    for (String s : stopStrings) {
      int at = text.indexOf(s, searchFrom);
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at;
      }
    }
    if (cut >= 0) {
      stopped = true;
      text.setLength(cut);
      return release(cut);
    }
    return release(text.length() - heldBack());
  }

  /** Whether a stop string has appeared. */
  public boolean stopped() {
    return stopped;
  }

  /** The text held back at the end of generation (no stop string came). */
  public String flush() {
    return stopped ? "" : release(text.length());
  }

  /** The whole text so far, without any stop string. */
  public String text() {
    return text.toString();
  }

  private String release(int upTo) {
    if (upTo <= emitted) {
      return "";
    }
    String out = text.substring(emitted, upTo);
    emitted = upTo;
    return out;
  }

  /** Length of the longest tail of the text that is a proper prefix of a stop string. */
  private int heldBack() {
    int hold = 0;
    for (String s : stopStrings) {
      hold = Math.max(hold, PartialMatch.atEnd(text, emitted, s));
    }
    return hold;
  }

  private int longestStop() {
    int m = 0;
    for (String s : stopStrings) {
      m = Math.max(m, s.length());
    }
    return m;
  }
}
