package dev.kernelj.llm.tokenizer;

/**
 * Token text by id. After a JSON read every text already exists as a {@code String}; after a cached
 * load the texts stay in the {@link TokenIndex} pool and become strings on first use, because
 * creating 128k strings up front would cost a fresh JVM more than the rest of the load.
 */
final class TokenTexts {

  private final String[] texts;

  /** Slot in {@link #index} by id (-1: no token), or null when {@link #texts} is complete. */
  private final int[] slotById;

  private final TokenIndex index;

  private TokenTexts(String[] texts, int[] slotById, TokenIndex index) {
    this.texts = texts;
    this.slotById = slotById;
    this.index = index;
  }

  /** Texts that all exist already (null where no token has the id). */
  static TokenTexts of(String[] texts) {
    return new TokenTexts(texts, null, null);
  }

  /** Texts read on demand from the slots of {@code index}. */
  static TokenTexts lazy(TokenIndex index, int[] slotById) {
    return new TokenTexts(new String[slotById.length], slotById, index);
  }

  /** Number of ids (highest id + 1). */
  int size() {
    return texts.length;
  }

  /** The text of {@code id}, or null when no token has it or the id is out of range. */
  String get(int id) {
    if (id < 0 || id >= texts.length) return null;
    String text = texts[id];
    if (text == null && slotById != null && slotById[id] >= 0) {
      // A racing thread may create an equal string; strings are immutable, so either is fine.
      text = index.textAt(slotById[id]);
      texts[id] = text;
    }
    return text;
  }
}
