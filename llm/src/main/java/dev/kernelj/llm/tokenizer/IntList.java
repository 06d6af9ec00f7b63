package dev.kernelj.llm.tokenizer;

import java.util.Arrays;

/** A growable {@code int} array, to collect token ids without boxing. */
final class IntList {

  private int[] values;
  private int size;

  IntList(int capacity) {
    values = new int[Math.max(4, capacity)];
  }

  void add(int v) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = v;
  }

  void addAll(int[] vs) {
    if (size + vs.length > values.length) {
      values = Arrays.copyOf(values, Math.max(size * 2, size + vs.length));
    }
    System.arraycopy(vs, 0, values, size, vs.length);
    size += vs.length;
  }

  int size() {
    return size;
  }

  int get(int i) {
    return values[i];
  }

  /** The first index holding {@code v}, or -1. */
  int indexOf(int v) {
    for (int i = 0; i < size; i++) {
      if (values[i] == v) return i;
    }
    return -1;
  }

  int[] toArray() {
    return Arrays.copyOf(values, size);
  }
}
