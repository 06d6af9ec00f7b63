package dev.kernelj.llm.serving.kv;

import java.security.SecureRandom;

/**
 * The prefix cache's key of a full block: a 64-bit hash of the key of the block before it and the
 * block's tokens, so that equal keys mean equal prefixes, not just equal blocks. The chain starts
 * from a random root drawn per engine, so nobody can craft prompts whose keys collide with another
 * user's; the pool also compares the tokens and the parent's key of a hit ({@link
 * BlockPool#lookup}), so a collision would need two prefixes with the same key followed by the same
 * block. Immutable: submitting threads key their prompts with it while the scheduler runs.
 */
public final class BlockHasher {
  private final int blockSize;
  private final long root;

  /** A hasher for blocks of {@code blockSize} tokens with a random root. */
  public BlockHasher(int blockSize) {
    this(blockSize, new SecureRandom().nextLong());
  }

  /** A hasher with a given root (tests). */
  public BlockHasher(int blockSize, long root) {
    if (blockSize < 1) {
      throw new IllegalArgumentException("block size " + blockSize + " must be >= 1");
    }
    this.blockSize = blockSize;
    this.root = root;
  }

  public int blockSize() {
    return blockSize;
  }

  /** The parent key of a sequence's first block. */
  public long root() {
    return root;
  }

  /**
   * The key of the block {@code tokens[from, from + blockSize)} after a block keyed {@code parent}.
   */
  public long hash(long parent, int[] tokens, int from) {
    long h = mix(parent ^ (0x9E3779B97F4A7C15L * (blockSize + 1)));
    for (int i = from; i < from + blockSize; i++) {
      h = mix(h ^ ((tokens[i] & 0xFFFFFFFFL) * 0xC2B2AE3D27D4EB4FL));
    }
    return mix(h);
  }

  /** SplitMix64's finalizer: every input bit flips about half of the output bits. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
