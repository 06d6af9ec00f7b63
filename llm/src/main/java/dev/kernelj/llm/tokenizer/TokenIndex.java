package dev.kernelj.llm.tokenizer;

import java.util.Arrays;

/**
 * Token text to id, as an open-addressing table that can also be probed with a range of a {@code
 * char[]}: loading a tokenizer resolves ~280k merge rules (three lookups each) straight from the
 * reader's decode buffer, with no {@code String} or {@code Integer} created per lookup.
 *
 * <p>Loading is bound by cache misses, not by arithmetic, so the layout is chosen for them: a slot
 * is four adjacent ints (hash, id, offset and length of the text) and the texts of all tokens sit
 * back to back in one {@code char[]} pool. A lookup touches one slot line and, when the hash
 * matches, one pool line, instead of chasing a {@code String} and its array.
 */
final class TokenIndex {

  private static final int STRIDE = 4;
  private static final int HASH = 0;
  private static final int ID = 1;
  private static final int OFFSET = 2;
  private static final int LENGTH = 3;

  /** Slots of {@link #STRIDE} ints; a slot whose LENGTH is -1 is empty. */
  private int[] slots;

  private int shift;
  private int size;
  private char[] pool = new char[1 << 16];
  private int poolSize;

  TokenIndex(int expected) {
    int bits = Math.max(4, 32 - Integer.numberOfLeadingZeros(Math.max(1, expected) * 2 - 1));
    allocate(bits);
  }

  private void allocate(int bits) {
    slots = new int[STRIDE << bits];
    for (int s = LENGTH; s < slots.length; s += STRIDE) slots[s] = -1;
    shift = 32 - bits;
  }

  /** Rebuilds an index from the arrays {@link #slots()} and {@link #pool()} returned. */
  TokenIndex(int[] slots, char[] pool, int size) {
    if (Integer.bitCount(slots.length) != 1 || slots.length < STRIDE) {
      throw new IllegalArgumentException("slot array of " + slots.length + " ints is not a table");
    }
    this.slots = slots;
    this.pool = pool;
    this.poolSize = pool.length;
    this.size = size;
    this.shift = 32 - Integer.numberOfTrailingZeros(slots.length / STRIDE);
  }

  int size() {
    return size;
  }

  /** The table itself, for the on-disk cache; not a copy. */
  int[] slots() {
    return slots;
  }

  /** The token texts, trimmed, for the on-disk cache. */
  char[] pool() {
    return poolSize == pool.length ? pool : Arrays.copyOf(pool, poolSize);
  }

  /** Index of the first int of the home slot of {@code hash}. */
  private int home(int hash) {
    return ((hash * 0x9E3779B9) >>> shift) * STRIDE;
  }

  /**
   * Maps {@code token} to {@code id}, replacing an earlier id as a JSON object's last duplicate key
   * does.
   *
   * @return the id it replaced, or -1
   */
  int put(String token, int id) {
    int h = token.hashCode();
    int length = token.length();
    int mask = slots.length - 1;
    for (int s = home(h); ; s = (s + STRIDE) & mask) {
      int at = slots[s + LENGTH];
      if (at < 0) {
        if (poolSize + length > pool.length)
          pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolSize + length));
        token.getChars(0, length, pool, poolSize);
        slots[s + HASH] = h;
        slots[s + ID] = id;
        slots[s + OFFSET] = poolSize;
        slots[s + LENGTH] = length;
        poolSize += length;
        if (++size * 2 > slots.length / STRIDE) grow();
        return -1;
      }
      if (slots[s + HASH] == h && at == length && samePoolText(slots[s + OFFSET], token)) {
        int replaced = slots[s + ID];
        slots[s + ID] = id;
        return replaced;
      }
    }
  }

  private void grow() {
    int[] old = slots;
    allocate(32 - shift + 1);
    int mask = slots.length - 1;
    for (int i = 0; i < old.length; i += STRIDE) {
      if (old[i + LENGTH] < 0) continue;
      int s = home(old[i + HASH]);
      while (slots[s + LENGTH] >= 0) s = (s + STRIDE) & mask;
      System.arraycopy(old, i, slots, s, STRIDE);
    }
  }

  /** The text of the token in the slot starting at int {@code slot}. */
  String textAt(int slot) {
    return new String(pool, slots[slot + OFFSET], slots[slot + LENGTH]);
  }

  /**
   * The slot of each id's text (-1 where no token has the id). Where several keys share an id the
   * choice is arbitrary, so callers that need the file's choice check it with {@link #textAt}.
   */
  int[] slotsById(int count) {
    int[] byId = new int[count];
    java.util.Arrays.fill(byId, -1);
    for (int s = 0; s < slots.length; s += STRIDE) {
      int id = slots[s + ID];
      if (slots[s + LENGTH] >= 0 && id < count) byId[id] = s;
    }
    return byId;
  }

  /** The id of {@code token}, or -1. */
  int get(String token) {
    int h = token.hashCode();
    int length = token.length();
    int mask = slots.length - 1;
    for (int s = home(h); ; s = (s + STRIDE) & mask) {
      int at = slots[s + LENGTH];
      if (at < 0) return -1;
      if (slots[s + HASH] == h && at == length && samePoolText(slots[s + OFFSET], token))
        return slots[s + ID];
    }
  }

  private boolean samePoolText(int offset, String token) {
    for (int i = 0; i < token.length(); i++) {
      if (pool[offset + i] != token.charAt(i)) return false;
    }
    return true;
  }

  /** The id of the text {@code a[from, to)}, or -1. */
  int get(char[] a, int from, int to) {
    return get(a, from, to, to, to);
  }

  /** The id of the concatenation {@code a[aFrom, aTo) + a[bFrom, bTo)}, or -1. */
  int get(char[] a, int aFrom, int aTo, int bFrom, int bTo) {
    int h = 0;
    for (int i = aFrom; i < aTo; i++) h = 31 * h + a[i];
    for (int i = bFrom; i < bTo; i++) h = 31 * h + a[i];
    int length = (aTo - aFrom) + (bTo - bFrom);
    int mask = slots.length - 1;
    for (int s = home(h); ; s = (s + STRIDE) & mask) {
      int at = slots[s + LENGTH];
      if (at < 0) return -1;
      if (slots[s + HASH] == h
          && at == length
          && Arrays.equals(
              pool, slots[s + OFFSET], slots[s + OFFSET] + (aTo - aFrom), a, aFrom, aTo)
          && Arrays.equals(
              pool, slots[s + OFFSET] + (aTo - aFrom), slots[s + OFFSET] + length, a, bFrom, bTo)) {
        return slots[s + ID];
      }
    }
  }

  /** Calls {@code action} with the id and character of every one-character token. */
  void forEachSingleChar(CharIdConsumer action) {
    for (int s = 0; s < slots.length; s += STRIDE) {
      if (slots[s + LENGTH] == 1) action.accept(pool[slots[s + OFFSET]], slots[s + ID]);
    }
  }

  /** Receives one-character tokens. */
  @FunctionalInterface
  interface CharIdConsumer {
    void accept(char c, int id);
  }
}
