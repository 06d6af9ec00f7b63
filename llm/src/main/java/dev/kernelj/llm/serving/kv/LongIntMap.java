package dev.kernelj.llm.serving.kv;

import java.util.Arrays;

/**
 * A map from {@code long} keys to non-negative {@code int} values with a fixed capacity, open
 * addressing and linear probing: no boxing and no allocation after construction, so the prefix
 * cache's index costs the scheduler's step nothing but a few probes. Removal shifts the following
 * entries back (no tombstones), so lookups stay short however often blocks are evicted.
 */
final class LongIntMap {
  private static final int EMPTY = -1;

  private final long[] keys;
  private final int[] values;
  private final int mask;
  private final int maxSize;
  private int size;

  /** A map that holds up to {@code maxSize} entries at a load factor of at most one half. */
  LongIntMap(int maxSize) {
    int capacity = Integer.highestOneBit(Math.max(2, maxSize) * 2 - 1) * 2;
    this.keys = new long[capacity];
    this.values = new int[capacity];
    this.mask = capacity - 1;
    this.maxSize = maxSize;
    Arrays.fill(values, EMPTY);
  }

  int size() {
    return size;
  }

  /** The value of {@code key}, or -1 when absent. */
  int get(long key) {
    for (int i = slot(key); ; i = (i + 1) & mask) {
      if (values[i] == EMPTY) {
        return EMPTY;
      }
      if (keys[i] == key) {
        return values[i];
      }
    }
  }

  /** Adds {@code key -> value} when {@code key} is absent; returns whether it was added. */
  boolean putIfAbsent(long key, int value) {
    if (value < 0) {
      throw new IllegalArgumentException("value " + value + " must be >= 0");
    }
    int i = slot(key);
    for (; values[i] != EMPTY; i = (i + 1) & mask) {
      if (keys[i] == key) {
        return false;
      }
    }
    if (size == maxSize) {
      throw new IllegalStateException("map is full: " + maxSize + " entries");
    }
    keys[i] = key;
    values[i] = value;
    size++;
    return true;
  }

  /** Removes {@code key} when it maps to {@code value}; returns whether it did. */
  boolean remove(long key, int value) {
    int i = slot(key);
    for (; values[i] != EMPTY; i = (i + 1) & mask) {
      if (keys[i] == key) {
        if (values[i] != value) {
          return false;
        }
        shiftBack(i);
        size--;
        return true;
      }
    }
    return false;
  }

  /** Fills the hole at {@code hole} with a later entry of its probe run, until the run ends. */
  private void shiftBack(int hole) {
    int i = hole;
    while (true) {
      i = (i + 1) & mask;
      if (values[i] == EMPTY) {
        values[hole] = EMPTY;
        return;
      }
      int home = slot(keys[i]);
      // The entry at i may move to the hole if its home is not in (hole, i] (cyclically).
      boolean homeBetween = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
      if (!homeBetween) {
        keys[hole] = keys[i];
        values[hole] = values[i];
        hole = i;
      }
    }
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
