package dev.kernelj.llm.tokenizer;

import java.util.Arrays;

/**
 * BPE merge rules as an open-addressing hash table from a pair of token ids to the merge's rank
 * and the id of the merged token. Primitive keys keep the 280k Llama 3 merges at a few MB and
 * keep the merge loop free of boxing.
 */
final class MergeTable {

    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] mergedIds;
    private final int mask;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        mergedIds = new int[capacity];
        mask = capacity - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** Adds a rule; a later rule for the same pair replaces the earlier one, as HF's map collection does. */
    void put(int left, int right, int rank, int mergedId) {
        long k = key(left, right);
        int s = slot(k);
        while (keys[s] != EMPTY) {
            if (keys[s] == k) {
                break;
            }
            s = (s + 1) & mask;
        }
        keys[s] = k;
        ranks[s] = rank;
        mergedIds[s] = mergedId;
    }

    /** The slot of the rule merging {@code left} and {@code right}, or -1 when there is none. */
    int find(int left, int right) {
        long k = key(left, right);
        int s = slot(k);
        while (true) {
            long at = keys[s];
            if (at == k) return s;
            if (at == EMPTY) return -1;
            s = (s + 1) & mask;
        }
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int mergedId(int slot) {
        return mergedIds[slot];
    }
}
