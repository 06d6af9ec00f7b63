package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;

/**
 * How one call of the quantized GEMM runs: which instantiation ({@code columnTiles} of 8 x rows),
 * how many blocks split each row tile's k range, and the scratch the split needs.
 *
 * @param launch grid {@code rowTiles * splits} blocks of {@value QuantGemmSource#THREADS} threads
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
    int chosen = splits > 0 ? splits : defaultSplits(rowTiles, geo.kTiles(), multiprocessors);
    chosen = Math.max(1, Math.min(chosen, geo.kTiles()));
    Launch launch =
        Launch.grid(rowTiles * chosen)
            .block(QuantGemmSource.THREADS)
            .on(stream)
            .overlappingPrevious();
    long partials = chosen == 1 ? 0 : (long) rowTiles * chosen * 16 * 8 * columnTiles;
    return new QuantGemmPlan(launch, columnTiles, chosen, partials, chosen == 1 ? 0 : rowTiles);
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
