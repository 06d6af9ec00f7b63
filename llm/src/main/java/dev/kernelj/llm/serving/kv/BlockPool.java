package dev.kernelj.llm.serving.kv;

/**
 * The KV cache's blocks as the scheduler hands them out: ids {@code 0 .. numBlocks - 1}, each with
 * a reference count (the sequences whose block tables hold it) and, once it is full and registered,
 * its prefix-cache key (see {@link BlockHasher}).
 *
 * <p>Blocks nobody holds wait in one free list in reuse order: blocks without a key at the front
 * (their contents are worth nothing), cached blocks behind them in the order they were released, so
 * that the least recently used cached block is evicted first. A cache hit on a free cached block
 * takes it out of the list again ({@link #acquire}); taking a new block ({@link #allocate}) evicts
 * the cached block at the front if there is no plain one. All of it is array-backed: no allocation
 * after construction, O(1) per block.
 */
public final class BlockPool {
  private static final int NONE = -1;

  private final int numBlocks;
  private final int blockSize;
  private final int[] refCount;
  private final boolean[] cached;
  private final long[] key;
  private final long[] parentKey;
  private final int[] tokens; // a cached block's tokens at [b * blockSize, (b + 1) * blockSize)
  private final LongIntMap index;
  private final int[] prev;
  private final int[] next;
  private int head = NONE;
  private int tail = NONE;
  private int free;
  private int cachedFree;
  private long evictions;

  public BlockPool(int numBlocks, int blockSize) {
    if (numBlocks < 1 || blockSize < 1) {
      throw new IllegalArgumentException(
          "a block pool needs at least one block of at least one token, got "
              + numBlocks
              + " blocks of "
              + blockSize);
    }
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.refCount = new int[numBlocks];
    this.cached = new boolean[numBlocks];
    this.key = new long[numBlocks];
    this.parentKey = new long[numBlocks];
    this.tokens = new int[Math.multiplyExact(numBlocks, blockSize)];
    this.index = new LongIntMap(numBlocks);
    this.prev = new int[numBlocks];
    this.next = new int[numBlocks];
    for (int b = 0; b < numBlocks; b++) {
      append(b);
    }
  }

  public int numBlocks() {
    return numBlocks;
  }

  public int blockSize() {
    return blockSize;
  }

  /** Blocks nobody holds: plain free blocks and evictable cached ones. */
  public int freeCount() {
    return free;
  }

  /** Blocks held by at least one sequence. */
  public int usedCount() {
    return numBlocks - free;
  }

  /** Blocks nobody holds that still serve the prefix cache. */
  public int cachedFreeCount() {
    return cachedFree;
  }

  /** Cached blocks whose key was dropped to make room, all time. */
  public long evictions() {
    return evictions;
  }

  public int refCount(int block) {
    return refCount[block];
  }

  /**
   * Takes a block nobody holds (a plain one first, else the least recently used cached one, whose
   * key is dropped) and holds it once.
   *
   * @throws IllegalStateException when every block is held (check {@link #freeCount} first)
   */
  public int allocate() {
    if (head == NONE) {
      throw new IllegalStateException(
          "all " + numBlocks + " KV blocks are held; the scheduler must check freeCount first");
    }
    int b = head;
    unlink(b);
    if (cached[b]) {
      index.remove(key[b], b);
      cached[b] = false;
      cachedFree--;
      evictions++;
    }
    refCount[b] = 1;
    return b;
  }

  /** Holds {@code block} once more; a block nobody held leaves the free list. */
  public void acquire(int block) {
    if (refCount[block]++ == 0) {
      unlink(block);
      if (cached[block]) {
        cachedFree--;
      }
    }
  }

  /**
   * Lets go of {@code block} once. When nobody holds it any more it joins the free list: a cached
   * block at the back (evicted last), a plain one at the front (reused first).
   */
  public void release(int block) {
    if (refCount[block] <= 0) {
      throw new IllegalStateException("block " + block + " released more often than held");
    }
    if (--refCount[block] == 0) {
      if (cached[block]) {
        append(block);
        cachedFree++;
      } else {
        prepend(block);
      }
    }
  }

  /**
   * The cached block keyed {@code blockKey} whose parent key is {@code parent} and whose tokens are
   * {@code blockTokens[from, from + blockSize)}, or -1. Holds nothing: {@link #acquire} the hit.
   */
  public int lookup(long blockKey, long parent, int[] blockTokens, int from) {
    int b = index.get(blockKey);
    if (b < 0 || parentKey[b] != parent) {
      return NONE;
    }
    int at = b * blockSize;
    for (int i = 0; i < blockSize; i++) {
      if (tokens[at + i] != blockTokens[from + i]) {
        return NONE;
      }
    }
    return b;
  }

  /**
   * Makes the held, full {@code block} findable under {@code blockKey}. Returns false, leaving the
   * block plain, when another block already holds that key (two sequences computed the same prefix
   * at once): the first stays the cached one.
   */
  public boolean register(int block, long blockKey, long parent, int[] blockTokens, int from) {
    if (refCount[block] == 0 || cached[block]) {
      throw new IllegalStateException(
          "block " + block + " must be held and not yet cached to be registered");
    }
    if (!index.putIfAbsent(blockKey, block)) {
      return false;
    }
    cached[block] = true;
    key[block] = blockKey;
    parentKey[block] = parent;
    System.arraycopy(blockTokens, from, tokens, block * blockSize, blockSize);
    return true;
  }

  public boolean isCached(int block) {
    return cached[block];
  }

  /**
   * Checks every invariant against {@code expectedRefCounts} (what the sequences' block tables add
   * up to); throws naming the first that fails. O(blocks): for tests and debugging.
   */
  public void checkInvariants(int[] expectedRefCounts) {
    int listed = 0;
    int listedCached = 0;
    boolean[] inList = new boolean[numBlocks];
    for (int b = head, before = NONE; b != NONE; before = b, b = next[b]) {
      require(prev[b] == before, "free list link broken at block " + b);
      require(!inList[b], "block " + b + " is twice in the free list");
      require(refCount[b] == 0, "block " + b + " is free but held " + refCount[b] + " times");
      inList[b] = true;
      listed++;
      listedCached += cached[b] ? 1 : 0;
    }
    require(listed == free, "free list has " + listed + " blocks, counter says " + free);
    require(listedCached == cachedFree, "cached free blocks " + listedCached + " vs " + cachedFree);
    int keyed = 0;
    for (int b = 0; b < numBlocks; b++) {
      require(
          refCount[b] == expectedRefCounts[b],
          "block "
              + b
              + " is held "
              + refCount[b]
              + " times; the block tables hold it "
              + expectedRefCounts[b]
              + " times");
      require(inList[b] == (refCount[b] == 0), "block " + b + " is neither held nor free");
      if (cached[b]) {
        keyed++;
        require(index.get(key[b]) == b, "cached block " + b + " is not findable by its key");
      }
    }
    require(keyed == index.size(), "index has " + index.size() + " keys for " + keyed + " blocks");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException("block pool: " + message);
    }
  }

  private void append(int b) {
    prev[b] = tail;
    next[b] = NONE;
    if (tail == NONE) {
      head = b;
    } else {
      next[tail] = b;
    }
    tail = b;
    free++;
  }

  private void prepend(int b) {
    next[b] = head;
    prev[b] = NONE;
    if (head == NONE) {
      tail = b;
    } else {
      prev[head] = b;
    }
    head = b;
    free++;
  }

  private void unlink(int b) {
    if (prev[b] == NONE) {
      head = next[b];
    } else {
      next[prev[b]] = next[b];
    }
    if (next[b] == NONE) {
      tail = prev[b];
    } else {
      prev[next[b]] = prev[b];
    }
    free--;
  }

  @Override
  public String toString() {
    return "BlockPool["
        + usedCount()
        + " held, "
        + cachedFree
        + " cached free, "
        + (free - cachedFree)
        + " plain free of "
        + numBlocks
        + " x "
        + blockSize
        + " tokens]";
  }
}
