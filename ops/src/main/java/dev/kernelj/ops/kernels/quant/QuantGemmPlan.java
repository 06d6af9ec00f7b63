package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;

/**
 * How one call of the quantized GEMM runs: which instantiation ({@code columnTiles} of 8 x rows),
 * how many ways each row tile's k range is split, how many (persistent) blocks walk the row tiles,
 * how much dynamic shared memory holds the staged x, and the scratch the split needs.
 *
 * <p>The k split, and so the order in which every output is summed, depends only on the weight's
 * shape and the GPU's SM count, never on the number of rows: a row of x gives the same result in a
 * call of 1 row and in one of 64 (batch invariance).
 *
 * @param launch grid {@code blocks} of {@value QuantGemmSource#THREADS} threads, {@code
 *     xStageBytes} of dynamic shared memory
 * @param columnTiles 1, 2, 4 or 8: the kernel covers {@code 8 * columnTiles} rows of x
 * @param splits blocks per row tile (1: no split, no scratch)
 * @param partialFloats f32 scratch for the split partials (0 without a split)
 * @param counters u32 tickets, one per row tile, zero before and after the launch (0 without a
 *     split)
 * @param xStageBytes dynamic shared memory per block: the block's k range of every row of x (up to
 *     16 rows; 0 above, where the kernel reads x from global memory)
 */
public record QuantGemmPlan(
    Launch launch, int columnTiles, int splits, long partialFloats, int counters, int xStageBytes) {
  /** Most rows of x one launch covers. */
  public static final int MAX_ROWS = 64;

  /**
   * Row tiles below which k is split: fewer than this many blocks leave too few loads in flight to
   * stream the weight at full bandwidth.
   */
  static final double BLOCKS_PER_SM = 1.5;

  /**
   * Most inputs in one block's k range: 16 rows of them in bf16 are the 128 KiB the kernel may
   * stage ({@link QuantGemmSource#MAX_X_STAGE_BYTES}). Longer rows (4096 x 14336 down_proj) are
   * split for every row count, so the split does not depend on m.
   */
  static final int MAX_RANGE_INPUTS = QuantGemmSource.MAX_X_STAGE_BYTES / (16 * 2);

  /** Column tiles up to which x is staged in shared memory (as {@code kj_q::qgemm} decides). */
  static final int STAGED_COLUMN_TILES = 2;

  /**
   * Shared memory of one SM that blocks may take (228 KiB on Hopper; an A100 has 164 KiB, where
   * this overestimates residency and the extra blocks start as others finish).
   */
  static final int SHARED_PER_SM = 228 * 1024;

  /**
   * The plan for {@code m} (1 to 64) rows of x on a GPU with {@code multiprocessors} SMs; {@code
   * splits} overrides the chosen split when positive (the benchmark sweeps it), though never below
   * what staging x needs.
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
    int tileK = QuantLayout.tileK(geo.bits());
    int chosen = splits > 0 ? splits : defaultSplits(rowTiles, kTiles, multiprocessors);
    chosen = Math.max(rangeSplits(kTiles, tileK), Math.min(chosen, kTiles));
    int perSplit = (kTiles + chosen - 1) / chosen;
    int rowLength = (perSplit * tileK + 63) / 64 * 64;
    int stage = columnTiles <= STAGED_COLUMN_TILES ? m * rowLength * 2 : 0;
    int staticBytes = QuantGemmSource.WARPS * 16 * 8 * columnTiles * 4 + 16;
    int resident =
        Math.min(registerBlocks(columnTiles), SHARED_PER_SM / (stage + staticBytes + 1024));
    int items = rowTiles * chosen;
    int groups = Math.max(1, Math.min(rowTiles, Math.max(1, resident) * multiprocessors / chosen));
    Launch launch =
        Launch.grid(groups * chosen)
            .block(QuantGemmSource.THREADS)
            .shared(stage)
            .on(stream)
            .overlappingPrevious();
    long partials = chosen == 1 ? 0 : (long) items * 16 * 8 * columnTiles;
    return new QuantGemmPlan(
        launch, columnTiles, chosen, partials, chosen == 1 ? 0 : rowTiles, stage);
  }

  /**
   * Blocks of an instantiation one SM holds by registers: its {@code __launch_bounds__} minimum
   * ({@link QuantGemmKernels}; ptxas: 118-120 registers at 8 rows, 133-202 above).
   */
  static int registerBlocks(int columnTiles) {
    return columnTiles == 1 ? 2 : 1;
  }

  /** Fewest splits that keep a block's k range within {@link #MAX_RANGE_INPUTS}. */
  static int rangeSplits(int kTiles, int tileK) {
    int most = MAX_RANGE_INPUTS / tileK;
    return (kTiles + most - 1) / most;
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
