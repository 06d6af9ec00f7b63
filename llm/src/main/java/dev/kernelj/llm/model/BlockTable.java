package dev.kernelj.llm.model;

import java.util.Arrays;

/** The cache blocks of one sequence, in token order; {@link #release} gives them back. */
public final class BlockTable {
  private final PagedKvCache cache;
  private int[] blocks = new int[0];

  BlockTable(PagedKvCache cache) {
    this.cache = cache;
  }

  /** Makes room for {@code tokens} tokens, taking blocks from the cache as needed. */
  public void reserve(int tokens) {
    int needed = (tokens + cache.blockSize() - 1) / cache.blockSize();
    if (needed - blocks.length > cache.freeBlockCount()) {
      throw new IllegalStateException(
          "KV cache has "
              + cache.freeBlockCount()
              + " free blocks of "
              + cache.blockSize()
              + " tokens; a sequence of "
              + tokens
              + " tokens needs "
              + (needed - blocks.length)
              + " more");
    }
    int had = blocks.length;
    if (needed > had) {
      blocks = Arrays.copyOf(blocks, needed);
      for (int i = had; i < needed; i++) {
        blocks[i] = cache.takeBlock();
      }
    }
  }

  /**
   * Cache slot of the token at {@code position}: {@code block * blockSize + position % blockSize}.
   */
  public int slot(int position) {
    int bs = cache.blockSize();
    if (position < 0 || position / bs >= blocks.length) {
      throw new IndexOutOfBoundsException(
          "position "
              + position
              + " is outside the "
              + blocks.length * bs
              + " reserved tokens of this sequence");
    }
    return blocks[position / bs] * bs + position % bs;
  }

  /**
   * The block ids, copied into {@code row} from index {@code at}; the rest of the row up to {@code
   * width} is 0.
   */
  public void writeRow(int[] row, int at, int width) {
    Arrays.fill(row, at, at + width, 0);
    System.arraycopy(blocks, 0, row, at, Math.min(width, blocks.length));
  }

  public int blockCount() {
    return blocks.length;
  }

  /** Returns every block to the cache. */
  public void release() {
    for (int b : blocks) {
      cache.returnBlock(b);
    }
    blocks = new int[0];
  }
}
