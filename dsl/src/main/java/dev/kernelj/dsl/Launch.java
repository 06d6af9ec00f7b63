package dev.kernelj.dsl;

import java.util.Objects;

/**
 * How one kernel launch is shaped: grid, block, dynamic shared memory in bytes, stream, and whether
 * it may overlap the end of the kernel before it ({@link #overlappingPrevious}).
 *
 * <pre>{@code
 * Launch.grid(Launch.blocksFor(n, 256)).block(256).on(stream)
 * }</pre>
 *
 * A {@code Launch} is immutable; keep one around when the same shape launches many times.
 */
public record Launch(
    Dim3 grid, Dim3 block, int sharedBytes, StreamRef stream, boolean overlapsPrevious) {
  public Launch {
    Objects.requireNonNull(grid, "grid");
    Objects.requireNonNull(block, "block");
    Objects.requireNonNull(stream, "stream");
    if (sharedBytes < 0) {
      throw new IllegalArgumentException("sharedBytes must be >= 0, got " + sharedBytes);
    }
  }

  /** A launch that waits for the previous work on its stream, as launches do by default. */
  public Launch(Dim3 grid, Dim3 block, int sharedBytes, StreamRef stream) {
    this(grid, block, sharedBytes, stream, false);
  }

  /**
   * A launch of {@code grid} blocks of one thread each, on the default stream; refine with {@link
   * #block}.
   */
  public static Launch grid(int x) {
    return new Launch(Dim3.of(x), Dim3.of(1), 0, StreamRef.DEFAULT);
  }

  public static Launch grid(Dim3 grid) {
    return new Launch(grid, Dim3.of(1), 0, StreamRef.DEFAULT);
  }

  public Launch block(int x) {
    return new Launch(grid, Dim3.of(x), sharedBytes, stream, overlapsPrevious);
  }

  public Launch block(Dim3 block) {
    return new Launch(grid, block, sharedBytes, stream, overlapsPrevious);
  }

  /** Dynamic shared memory per block, in bytes. */
  public Launch shared(int bytes) {
    return new Launch(grid, block, bytes, stream, overlapsPrevious);
  }

  public Launch on(StreamRef stream) {
    return new Launch(grid, block, sharedBytes, stream, overlapsPrevious);
  }

  /**
   * This launch may start while the kernel before it on the stream is still finishing (programmatic
   * dependent launch, compute capability 9.0 and later; a plain launch elsewhere), so that a chain
   * of short kernels does not pay a full launch gap between each two. The kernel must execute
   * {@code griddepcontrol.wait} before it reads anything earlier work wrote, or writes anything
   * earlier work reads; until then it may only read what no earlier work changes (weights, say, to
   * prefetch them). Kept in CUDA graphs captured from the stream.
   */
  public Launch overlappingPrevious() {
    return new Launch(grid, block, sharedBytes, stream, true);
  }

  /** Threads per block. */
  public int threadsPerBlock() {
    return (int) block.volume();
  }

  /**
   * The number of blocks of {@code blockSize} threads that cover {@code n} items: ceil(n /
   * blockSize).
   */
  public static int blocksFor(long n, int blockSize) {
    if (blockSize <= 0) {
      throw new IllegalArgumentException("blockSize must be > 0, got " + blockSize);
    }
    long blocks = (n + blockSize - 1) / blockSize;
    if (blocks > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          n
              + " items need "
              + blocks
              + " blocks of "
              + blockSize
              + ", more than a grid dimension holds");
    }
    return (int) Math.max(1, blocks);
  }
}
