package dev.kernelj.llm.tokenizer;

import java.util.Arrays;

/** A binary min-heap of {@code long}s; BPE packs (rank, position) into one long to avoid boxing. */
final class LongMinHeap {

  private long[] heap;
  private int size;

  LongMinHeap(int capacity) {
    heap = new long[Math.max(4, capacity)];
  }

  boolean isEmpty() {
    return size == 0;
  }

  void add(long v) {
    if (size == heap.length) heap = Arrays.copyOf(heap, size * 2);
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (heap[parent] <= v) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = v;
  }

  long poll() {
    long top = heap[0];
    long last = heap[--size];
    int i = 0;
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      if (child + 1 < size && heap[child + 1] < heap[child]) child++;
      if (last <= heap[child]) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
