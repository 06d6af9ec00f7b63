package dev.kernelj.llm.tokenizer;

/**
 * BPE merge rules as an open-addressing hash table from a pair of token ids to the merge's rank and
 * the id of the merged token. Primitive keys keep the merge loop free of boxing (Llama 3's 280k
 * merges take 16 MB at a load under 0.3); each slot is two adjacent longs (the pair, then rank and
 * merged id) so that a lookup or an insertion touches one cache line, which is what loading 280k
 * rules in random order is bound by.
 */
final class MergeTable {

  private static final long EMPTY = -1L;

  /** {@code [2s]} = pair key, {@code [2s + 1]} = rank << 32 | merged id. */
  private final long[] slots;

  private final int mask;

  MergeTable(int expected) {
    int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    slots = new long[capacity * 2];
    for (int i = 0; i < slots.length; i += 2) slots[i] = EMPTY;
    mask = capacity - 1;
  }

  /** A table over the array {@link #slots()} returned. */
  MergeTable(long[] slots) {
    int capacity = slots.length / 2;
    if (capacity < 1 || Integer.bitCount(capacity) != 1 || slots.length % 2 != 0) {
      throw new IllegalArgumentException("slot array of " + slots.length + " longs is not a table");
    }
    this.slots = slots;
    this.mask = capacity - 1;
  }

  /** The table itself, for the on-disk cache; not a copy. */
  long[] slots() {
    return slots;
  }

  private static long key(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 29)) & mask;
  }

  /**
   * Adds a rule; a later rule for the same pair replaces the earlier one, as HF's map collection
   * does.
   */
  void put(int left, int right, int rank, int mergedId) {
    long k = key(left, right);
    int s = slot(k);
    while (slots[2 * s] != EMPTY && slots[2 * s] != k) {
      s = (s + 1) & mask;
    }
    slots[2 * s] = k;
    slots[2 * s + 1] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
  }

  /** The slot of the rule merging {@code left} and {@code right}, or -1 when there is none. */
  int find(int left, int right) {
    long k = key(left, right);
    int s = slot(k);
    while (true) {
      long at = slots[2 * s];
      if (at == k) return s;
      if (at == EMPTY) return -1;
      s = (s + 1) & mask;
    }
  }

  int rank(int slot) {
    return (int) (slots[2 * slot + 1] >>> 32);
  }

  int mergedId(int slot) {
    return (int) slots[2 * slot + 1];
  }
}
