package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;

/**
 * How one call of the quantized GEMM runs: which instantiation ({@code columnTiles} of 8 x rows),
 * how many blocks split each row tile's k range, and the scratch the split needs.
 *
 * @param launch grid {@code rowTiles * splits} blocks of {@value QuantGemmSource#THREADS} threads,
 *     with the dynamic shared memory that stages the block's slice of x
 * @param columnTiles 1, 2, 4 or 8: the kernel covers {@code 8 * columnTiles} rows of x
 * @param splits blocks per row tile (1: no split, no scratch)
 * @param partialFloats f32 scratch for the split partials (0 without a split)
 * @param counters u32 tickets, one per row tile, zero before and after the launch (0 without a
 *     split)
 */
public record QuantGemmPlan(
    Launch launch, int columnTiles, int splits, long partialFloats, int counters) {
  /** Most rows of x one launch covers. */
  public static final int MAX_ROWS = 64;

  /**
   * Rows of x up to which the kernel stages the block's slice of x in shared memory (the {@code m1}
   * instantiations of QuantGemmKernels). Measured on an H200 (qgemm_bench.cu, BENCHMARKS.md): at
   * one row staging made the Llama-3-8B shapes 12-65 % faster; at 8 and 16 rows every block copying
   * its rows of x before it starts was slower than the per-tile loads on every shape.
   */
  static final int STAGED_ROWS = 1;

  /**
   * Row tiles below which k is split: fewer than this many blocks leave too few loads in flight to
   * stream the weight at full bandwidth.
   */
  static final double BLOCKS_PER_SM = 1.5;

  /**
   * The plan for {@code m} (1 to 64) rows of x on a GPU with {@code multiprocessors} SMs; {@code
   * splits} overrides the chosen split when positive (the benchmark sweeps it).
   */
  public static QuantGemmPlan of(
      int m, QuantGeometry geo, int multiprocessors, int splits, StreamRef stream) {
    if (m < 1 || m > MAX_ROWS) {
      throw new IllegalArgumentException(
          "the quantized GEMM takes 1 to " + MAX_ROWS + " rows of x per launch, not " + m);
    }
    int columnTiles = m <= 8 ? 1 : m <= 16 ? 2 : m <= 32 ? 4 : 8;
    int rowTiles = geo.rowTiles();
    int kTiles = geo.kTiles();
    int chosen = splits > 0 ? splits : defaultSplits(rowTiles, kTiles, multiprocessors);
    chosen = Math.max(1, Math.min(chosen, kTiles));
    int tileK = QuantLayout.tileK(geo.bits());
    boolean staged = m <= STAGED_ROWS;
    // More splits when the block's slice of x would not fit the shared memory it is staged in.
    while (staged
        && chosen < kTiles
        && sharedBytes(m, kTiles, chosen, tileK) > QuantGemmSource.X_SHARED_MAX) {
      chosen++;
    }
    Launch launch =
        Launch.grid(rowTiles * chosen)
            .block(QuantGemmSource.THREADS)
            .shared(staged ? (int) sharedBytes(m, kTiles, chosen, tileK) : 0)
            .on(stream)
            .overlappingPrevious();
    long partials = chosen == 1 ? 0 : (long) rowTiles * chosen * 16 * 8 * columnTiles;
    return new QuantGemmPlan(launch, columnTiles, chosen, partials, chosen == 1 ? 0 : rowTiles);
  }

  /** Whether the launch is the one-row kernel that stages x (it is the one with shared memory). */
  public boolean stagedX() {
    return launch.sharedBytes() > 0;
  }

  /** Shared memory for {@code m} rows of x over one split's k-tiles (QuantGemmSource#x_stride). */
  static long sharedBytes(int m, int kTiles, int splits, int tileK) {
    int tilesPerSplit = (kTiles + splits - 1) / splits;
    return QuantGemmSource.xSharedBytes(m, tilesPerSplit, tileK);
  }

  /**
   * One block per row tile when there are enough of them; otherwise enough splits for about two
   * blocks per SM, each warp keeping at least one tile.
   */
  static int defaultSplits(int rowTiles, int kTiles, int multiprocessors) {
    if (rowTiles >= BLOCKS_PER_SM * multiprocessors) {
      return 1;
    }
    int wanted = (2 * multiprocessors + rowTiles - 1) / rowTiles;
    int most = Math.max(1, kTiles / QuantGemmSource.WARPS);
    return Math.max(1, Math.min(wanted, most));
  }
}
