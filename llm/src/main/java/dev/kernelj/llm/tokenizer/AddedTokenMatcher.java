package dev.kernelj.llm.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text the way HF's AddedVocabulary does: leftmost-longest matches that do
 * not overlap, honoring {@code single_word}, {@code lstrip} and {@code rstrip}. The text between
 * matches is passed on for normalization and BPE.
 */
final class AddedTokenMatcher {

  /** Receives the pieces of a split, in order. */
  interface Sink {
    /** A stretch of ordinary text starting at {@code offset} of the text being split. */
    void text(String text, int offset);

    /** A matched added token. */
    void token(AddedToken token);
  }

  private static final class Node {
    final Map<Character, Node> children = new HashMap<>(4);
    AddedToken token;
  }

  private final Node root = new Node();

  /** Fast reject: true for characters that start some token. */
  private final boolean[] startsToken = new boolean[0x10000];

  private final boolean empty;

  AddedTokenMatcher(List<AddedToken> tokens) {
    for (AddedToken t : tokens) {
      if (t.content().isEmpty()) continue;
      Node n = root;
      for (int i = 0; i < t.content().length(); i++) {
        n = n.children.computeIfAbsent(t.content().charAt(i), c -> new Node());
      }
      if (n.token == null) n.token = t;
      startsToken[t.content().charAt(0)] = true;
    }
    empty = root.children.isEmpty();
  }

  /** Splits {@code text} into ordinary text and added tokens. */
  void split(String text, Sink sink) {
    if (empty) {
      if (!text.isEmpty()) sink.text(text, 0);
      return;
    }
    int emitted = 0;
    int i = 0;
    while (i < text.length()) {
      if (!startsToken[text.charAt(i)]) {
        i++;
        continue;
      }
      AddedToken match = null;
      int matchEnd = -1;
      Node n = root;
      for (int j = i; j < text.length(); j++) {
        n = n.children.get(text.charAt(j));
        if (n == null) break;
        if (n.token != null) {
          match = n.token;
          matchEnd = j + 1;
        }
      }
      if (match == null) {
        i++;
        continue;
      }
      int start = i;
      int stop = matchEnd;
      if (match.singleWord() && !isStandaloneWord(text, start, stop)) {
        i = matchEnd;
        continue;
      }
      if (match.lstrip()) {
        while (start > emitted && UnicodeChars.isWhitespace(text.codePointBefore(start))) {
          start -= Character.charCount(text.codePointBefore(start));
        }
      }
      if (match.rstrip()) {
        while (stop < text.length() && UnicodeChars.isWhitespace(text.codePointAt(stop))) {
          stop += Character.charCount(text.codePointAt(stop));
        }
      }
      if (start > emitted) sink.text(text.substring(emitted, start), emitted);
      sink.token(match);
      emitted = stop;
      i = stop;
    }
    if (emitted < text.length()) sink.text(text.substring(emitted), emitted);
  }

  private static boolean isStandaloneWord(String text, int start, int stop) {
    boolean leftOk = start == 0 || !UnicodeChars.isWordChar(text.codePointBefore(start));
    boolean rightOk = stop == text.length() || !UnicodeChars.isWordChar(text.codePointAt(stop));
    return leftOk && rightOk;
  }
}
