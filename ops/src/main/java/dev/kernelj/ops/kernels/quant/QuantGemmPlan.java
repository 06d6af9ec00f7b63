package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.kernels.GpuLimits;
import java.util.List;

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
 * @param streamRowTiles 0: another kernel; 1 or 2: the one-row streaming kernel ({@link
 *     QuantStreamSource}) with that many row tiles a block
 * @param fewRowTiles 0: another kernel; 1 or {@value QuantFewSource#ROW_TILES}: the few-row kernel
 *     ({@link QuantFewSource}) with that many row tiles a block; {@value
 *     QuantFewSharedXSource#ROW_TILES}: the few-row kernel with x shared by the block ({@link
 *     QuantFewSharedXSource})
 * @param xRegisters whether the launch is the few-row kernel with x held in registers ({@link
 *     QuantXRegSource}); its {@code splits} are the blocks k is split across, {@code ceil(kTiles /}
 *     {@value QuantXRegSource#BLOCK_KTILES}{@code )}
 */
public record QuantGemmPlan(
    Launch launch,
    int columnTiles,
    int splits,
    long partialFloats,
    int counters,
    int streamRowTiles,
    int fewRowTiles,
    boolean xRegisters) {
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
   * Row tiles below which the streaming kernel puts one row tile in a block (8 warps splitting k),
   * as a multiple of the SM count; above, two (4 warps each). Measured on an H200 (qgemm_bench.cu,
   * BENCHMARKS.md): one per block was best for Llama-3-8B's fused qkv (384 row tiles) and down
   * projection (256), two for gate/up (1,792) and 14336 x 4096 (896).
   */
  static final int STREAM_PAIRS_FROM_ROW_TILES_PER_SM = 3;

  /**
   * Fewest 64-input tiles each warp of the few-row kernel must keep when its blocks split k (too
   * few blocks of 2 row tiles to give each SM one): with fewer, the split's tail (partials, a
   * second pass) and the kernel's longer start are not paid back. Measured on an H200
   * (qgemm_bench.cu, BENCHMARKS.md, ninth session), at 8 and 16 rows: split 2 ways, 4096 x 14336
   * (14 tiles a warp) was 9-26 % faster than the GEMM kernel, 4096 x 4096 (4) 9-16 % slower; 2048 x
   * 8192 (3 ways, 5 tiles), 3072 x 2048 and 2048 x 2048 were slower too. Without a split every
   * shape measured was faster, 16384 x 2048 (4 tiles a warp) included.
   */
  static final int FEW_MIN_TILES_PER_WARP_SPLIT = 8;

  /**
   * Blocks of the few-row kernel, as a fraction of the SMs, from which it takes 17 to 32 rows
   * (without a k split). At 32 rows the GEMM kernel carries twice the x of 16 and falls to 12 % of
   * copy, so the few-row kernel wins with fewer blocks than at 16 rows. Measured on an H200
   * (qgemm_bench.cu, BENCHMARKS.md, ninth session): 96 blocks (3072 x 2048) and more were 7-31 %
   * faster than the GEMM kernel but for 6144 x 4096 (4 % slower); 64 blocks (2048 x 2048, 2048 x
   * 8192) were 36-60 % slower.
   */
  static final double FEW_WIDE_BLOCKS_PER_SM = 0.7;

  /**
   * Tiles (row tiles x 64-input tiles) from which 17 to 32 rows take the few-row kernel with x
   * shared by the block (12 MiB of 4-bit codes, Llama-3-8B's fused qkv). Measured on an H200
   * (qgemm_bench.cu, BENCHMARKS.md, thirteenth session), against the few-row kernel at 32 rows:
   * 6144 x 4096 (24,576 tiles) 29 % faster, 4096 x 14336 8 %, 14336 x 4096, 28672 x 4096 and 16384
   * x 2048 36-47 %; 4096 x 4096 (16,384) 6 % slower, 3072 x 2048 and 2048 x 8192 slower or level.
   */
  static final long FEW_SHARED_X_MIN_TILES = 24_576;

  /**
   * Blocks of 16 row tiles, as a fraction of the SMs, from which 9 to 16 rows take the few-row
   * kernel with x shared by the block. Measured on an H200 (same session), at 16 rows: 56 blocks
   * and more (14336 x 4096, 16384 x 2048, 28672 x 4096) 3.5-13 % faster than the few-row kernel; 24
   * (6144 x 4096) and 16 (4096 x 14336, 4096 x 4096) slower or level.
   */
  static final double FEW_SHARED_X_BLOCKS_PER_SM = 0.4;

  /**
   * Blocks of 16 row tiles, as a fraction of the SMs, from which 2 to 8 rows take the few-row
   * kernel with x shared by the block. Measured on an H200 (qgemm_bench.cu, BENCHMARKS.md,
   * sixteenth and nineteenth sessions): gate/up (112 blocks) at 8 rows 23.92 us against the few-row
   * kernel's 27.90. Narrower weights gained 3-4.5 % at most (14336 x 4096, 56 blocks; 4096 x 14336,
   * 16 blocks at 8 splits) and qkv (6144 x 4096, 24 blocks) lost 37 %, so they keep the few-row
   * kernel.
   */
  static final double FEW_SHARED_X_BLOCKS_PER_SM_M8 = 0.8;

  /**
   * Blocks of one row tile, as a fraction of the SMs, from which 2 to 16 rows of a 4-bit weight
   * take the few-row kernel at one row tile a warp (more blocks an SM: {@code
   * kj_qf::few_blocks_per_sm}) where the plan would otherwise run it at two unsplit or fall back to
   * the GEMM kernel. Measured on an H100 (qgemm_bench.cu, BENCHMARKS.md, twenty-third session), at
   * 16 rows: Llama-3-8B's qkv (6144 x 4096, 384 blocks) 10.01 us against 11.37 at two row tiles, o
   * (4096 x 4096, 256) 9.30 against the GEMM kernel's 9.50, and Llama-3.2-1B's shapes, where the
   * GEMM kernel splits k and loses most (128 to 192 blocks): 2048 x 2048 4.81 against 9.23, 3072 x
   * 2048 5.57 against 9.61, 2048 x 8192 11.79 against 15.30. At 8 rows: level to 3.5 % faster on
   * the 8B shapes, half the time on 2048 x 2048 and 3072 x 2048. Fewer blocks were not measured.
   * Where two row tiles split k (down, 4096 x 14336: 19.92 us against 23.15 at one) they stay.
   */
  static final double FEW_ONE_TILE_BLOCKS_PER_SM = 0.9;

  /** The name of {@link #X_REGISTERS}'s system property. */
  public static final String X_REGISTERS_PROPERTY = "kernelj.quant.xRegisters";

  /** {@link #X_REGISTERS}'s values besides unset: off, and wherever it fits. */
  private static final String X_REGISTERS_OFF = "false";

  private static final String X_REGISTERS_ALWAYS = "always";

  /** The values {@code -Dkernelj.quant.xRegisters} may take ({@code QuantizedMatmulOps} checks). */
  public static final List<String> X_REGISTERS_CHOICES =
      List.of(X_REGISTERS_OFF, X_REGISTERS_ALWAYS);

  /**
   * Where {@link #of} takes the kernel with x held in registers: by its rule (unset), nowhere
   * ({@code -Dkernelj.quant.xRegisters=false}) or wherever it fits 2 to 16 rows ({@code =always}),
   * so that one build compares the three in an A/B. {@code QuantizedMatmulOps} refuses other values
   * when it is made.
   */
  static final String X_REGISTERS = System.getProperty(X_REGISTERS_PROPERTY, "");

  /**
   * Rows from which the kernel with x in registers takes any weight it fits that the kernel with x
   * shared by the block does not ({@link #xRegistersTake}), up to {@link
   * #X_REGISTERS_ANY_WEIGHT_TO_ROWS}. Measured end to end on an H200 (BENCHMARKS.md, twenty-sixth
   * session), Llama-3-8B-shaped GPTQ decode against the plan without it: batch 8 +2.2 %, batch 4
   * +0.1 %, batch 2 -3.5 %; so 2 and 3 rows keep the other kernels.
   */
  static final int X_REGISTERS_ANY_WEIGHT_FROM_ROWS = 4;

  /** The last row count of {@link #X_REGISTERS_ANY_WEIGHT_FROM_ROWS}'s range. */
  static final int X_REGISTERS_ANY_WEIGHT_TO_ROWS = 8;

  /** Most rows the few-row kernels cover in one launch. */
  static final int FEW_MAX_ROWS = 32;

  /**
   * Most rows of an 8-bit weight the few-row kernel takes; more go to the GEMM kernel. Measured on
   * an H200 (BENCHMARKS.md, twentieth session): GPTQ 8-bit 8B-shaped decode at batch 32 was 3.4 %
   * faster with the GEMM kernel (the few-row kernel's 32-row 8-bit launch takes twice its 16-row
   * time: 14336 x 4096 60.8 us against 29.5), where at 8 and 16 rows the few-row kernel was 25-31 %
   * faster (nineteenth session).
   */
  static final int FEW_MAX_ROWS_8BIT = 16;

  /**
   * Rows of x the next launch covers when {@code m} (1 or more) remain: at most {@link
   * #FEW_MAX_ROWS} where the few-row kernels take that many rows of this weight, else at most
   * {@link #MAX_ROWS}. Past 32 rows only the GEMM kernel's 64-row instantiation is left, and on
   * every Llama-3-8B shape it is slower than the few-row kernels run twice: on an H200
   * (BENCHMARKS.md, fourteenth session, one build) at 64 rows gate/up took 240.4 us against 54.6 at
   * 32, 14336 x 4096 121.1 against 28.0, qkv 53.3 against 17.5, o 36.1 against 13.7 and down 101.3
   * against 27.9. So 33 to 64 rows (a decode batch of that size) go as 32 and the rest.
   */
  public static int launchRows(int m, QuantGeometry geo, GpuLimits gpu) {
    if (m > FEW_MAX_ROWS) {
      int sms = gpu.multiprocessors();
      if (fewSharedXSplits(FEW_MAX_ROWS, geo, gpu) > 0 || fewSplits(FEW_MAX_ROWS, geo, sms) > 0) {
        return FEW_MAX_ROWS;
      }
    }
    return Math.min(m, MAX_ROWS);
  }

  /**
   * The plan for {@code m} (1 to 64) rows of x on {@code gpu}, its SMs and shared memory; {@code
   * splits} overrides the chosen split when positive (the benchmark sweeps it) and then always
   * plans the GEMM kernel.
   */
  public static QuantGemmPlan of(
      int m, QuantGeometry geo, GpuLimits gpu, int splits, StreamRef stream) {
    if (m < 1 || m > MAX_ROWS) {
      throw new IllegalArgumentException(
          "the quantized GEMM takes 1 to " + MAX_ROWS + " rows of x per launch, not " + m);
    }
    int columnTiles = columnTiles(m);
    int rowTiles = geo.rowTiles();
    int kTiles = geo.kTiles();
    int multiprocessors = gpu.multiprocessors();
    if (splits <= 0 && streams(m, geo, gpu)) {
      int perBlock = rowTiles < STREAM_PAIRS_FROM_ROW_TILES_PER_SM * multiprocessors ? 1 : 2;
      Launch launch =
          Launch.grid((rowTiles + perBlock - 1) / perBlock)
              .block(QuantGemmSource.THREADS)
              .shared((int) QuantStreamSource.sharedBytes(kTiles, geo.bits()))
              .on(stream)
              .overlappingPrevious();
      return new QuantGemmPlan(launch, 1, 1, 0, 0, perBlock, 0, false);
    }
    if (splits <= 0) {
      int shared = fewSharedXSplits(m, geo, gpu);
      if (xRegistersTake(m, geo, multiprocessors, shared > 0)) {
        return xRegisters(m, geo, gpu, stream);
      }
      if (shared > 0) {
        return fewSharedX(m, geo, shared, gpu, stream);
      }
      int few = fewSplits(m, geo, multiprocessors);
      if (few <= 1 && oneTileFits(m, geo, multiprocessors)) {
        return few(m, geo, 1, 1, stream);
      }
      if (few > 0) {
        return few(m, geo, few, stream);
      }
    }
    int chosen = splits > 0 ? splits : defaultSplits(rowTiles, kTiles, multiprocessors);
    chosen = Math.max(1, Math.min(chosen, kTiles));
    int tileK = QuantLayout.tileK(geo.bits());
    boolean staged = m <= STAGED_ROWS;
    int xLimit =
        gpu.dynamicShared(QuantGemmSource.X_SHARED_MAX, 1, QuantGemmSource.STAGED_STATIC_BYTES);
    // More splits when the block's slice of x would not fit the shared memory it is staged in.
    while (staged && chosen < kTiles && sharedBytes(m, kTiles, chosen, tileK) > xLimit) {
      chosen++;
    }
    Launch launch =
        Launch.grid(rowTiles * chosen)
            .block(QuantGemmSource.THREADS)
            .shared(staged ? (int) sharedBytes(m, kTiles, chosen, tileK) : 0)
            .on(stream)
            .overlappingPrevious();
    return split(launch, columnTiles, chosen, rowTiles, QuantLayout.TILE_ROWS, 0);
  }

  /**
   * A plan whose grid is {@code tiles} output tiles of {@code tileRows} weight rows, each split
   * {@code splits} ways: one f32 partial a tile row and row of x per split, one ticket a tile
   * ({@code kj_q::store_tile}), none without a split.
   */
  private static QuantGemmPlan split(
      Launch launch, int columnTiles, int splits, int tiles, int tileRows, int fewRowTiles) {
    return split(launch, columnTiles, splits, tiles, tileRows, fewRowTiles, false);
  }

  /**
   * {@link #split}, for the kernel with x in registers too ({@code xRegisters}), whose k blocks are
   * its splits and whose tickets are counted the same way (one a row tile).
   */
  private static QuantGemmPlan split(
      Launch launch,
      int columnTiles,
      int splits,
      int tiles,
      int tileRows,
      int fewRowTiles,
      boolean xRegisters) {
    long partials = splits == 1 ? 0 : (long) tiles * splits * tileRows * 8 * columnTiles;
    return new QuantGemmPlan(
        launch, columnTiles, splits, partials, splits == 1 ? 0 : tiles, 0, fewRowTiles, xRegisters);
  }

  /** Column tiles of 8 rows of x the instantiation for {@code m} rows covers: 1, 2, 4 or 8. */
  private static int columnTiles(int m) {
    return m <= 8 ? 1 : m <= 16 ? 2 : m <= 32 ? 4 : 8;
  }

  /**
   * The few-row kernel's plan for {@code m} (1 to 32) rows with k split {@code splits} ways (1 to
   * the k-tiles); {@link #of} chooses it by itself, tests and benchmarks force it here.
   */
  public static QuantGemmPlan few(int m, QuantGeometry geo, int splits, StreamRef stream) {
    return few(m, geo, splits, QuantFewSource.ROW_TILES, stream);
  }

  /**
   * The few-row kernel's plan at {@code rowTiles} (1, or {@link QuantFewSource#ROW_TILES}) row
   * tiles a block; one row tile only for 4-bit codes and 1 to 16 rows, which have instantiations.
   */
  public static QuantGemmPlan few(
      int m, QuantGeometry geo, int splits, int rowTiles, StreamRef stream) {
    if (rowTiles != QuantFewSource.ROW_TILES && !(rowTiles == 1 && oneTileTakes(m, geo))) {
      throw new IllegalArgumentException(
          "the few-row kernel runs one row tile a block for 1 to 16 rows of a 4-bit weight only,"
              + " and otherwise "
              + QuantFewSource.ROW_TILES
              + ", not "
              + rowTiles
              + " for "
              + m
              + " rows of a "
              + geo.bits()
              + "-bit weight");
    }
    if (!fewFits(m, geo)) {
      throw new IllegalArgumentException(
          "the few-row kernel takes 1 to 32 rows and codes in groups of whole tiles (64 inputs"
              + " of 4-bit codes, 32 of 8-bit), not "
              + m
              + " rows of a "
              + geo.bits()
              + "-bit weight in groups of "
              + geo.groupSize());
    }
    int chosen = Math.max(1, Math.min(splits, geo.kTiles()));
    int blocks = (geo.rowTiles() + rowTiles - 1) / rowTiles;
    Launch launch =
        Launch.grid(blocks * chosen)
            .block(QuantGemmSource.THREADS)
            .on(stream)
            .overlappingPrevious();
    int rows = QuantLayout.TILE_ROWS * rowTiles;
    return split(launch, columnTiles(m), chosen, blocks, rows, rowTiles);
  }

  /**
   * The plan of the few-row kernel with x held in registers for {@code m} (1 to 16) rows: k in
   * blocks of {@value QuantXRegSource#BLOCK_KTILES} tiles, and the row tiles in as many contiguous
   * runs as give about one block an SM (its 512 threads take all the registers of one); one f32
   * partial a row tile, row of x and k block, one ticket a row tile, when k takes more than one
   * block. {@link #of} chooses it by itself, tests and benchmarks force it here.
   */
  public static QuantGemmPlan xRegisters(
      int m, QuantGeometry geo, GpuLimits gpu, StreamRef stream) {
    if (!xRegistersFit(m, geo)) {
      throw new IllegalArgumentException(
          "the few-row kernel with x in registers takes 1 to 16 rows of a 4-bit weight in groups"
              + " of 128 inputs or a multiple, or one group, not "
              + m
              + " rows of a "
              + geo.bits()
              + "-bit weight in "
              + geo.groupCount()
              + " groups of "
              + geo.groupSize());
    }
    int kBlocks = xRegistersKBlocks(geo);
    int runs = Math.max(1, Math.min(geo.rowTiles(), gpu.multiprocessors() / kBlocks));
    Launch launch =
        Launch.grid(runs * kBlocks).block(QuantXRegSource.THREADS).on(stream).overlappingPrevious();
    return split(launch, columnTiles(m), kBlocks, geo.rowTiles(), QuantLayout.TILE_ROWS, 0, true);
  }

  /** Blocks the kernel with x in registers splits this weight's k across. */
  static int xRegistersKBlocks(QuantGeometry geo) {
    return (geo.kTiles() + QuantXRegSource.BLOCK_KTILES - 1) / QuantXRegSource.BLOCK_KTILES;
  }

  /**
   * Whether the kernel with x in registers takes {@code m} rows of this weight in {@link #of}: 2 to
   * 16 rows where it fits and either k is one block's ({@value QuantXRegSource#BLOCK_KTILES} tiles,
   * 2,048 inputs) or the weight has no more row tiles than the GPU has SMs; and {@value
   * #X_REGISTERS_ANY_WEIGHT_FROM_ROWS} to {@value #X_REGISTERS_ANY_WEIGHT_TO_ROWS} rows of any
   * weight it fits that the kernel with x shared by the block ({@link #fewSharedX}) does not take
   * ({@code sharedXTakes}: whether it does). Measured on an H200 (qgemm_bench.cu, BENCHMARKS.md,
   * twenty-fifth session) at 16 and 8 rows against the fastest of the other kernels: Llama-3.2-1B's
   * 2048 x 2048 3.52 us against 4.69 and 3.46 against 3.98, 3072 x 2048 4.31 against 5.36 and 3.58
   * against 4.22, 16384 x 2048 9.87 against 11.76 and 7.99 against 10.52, 2048 x 8192 (128 row
   * tiles, k in 4 blocks) 7.77 against 9.67 and 6.58 against 7.84. On Llama-3-8B's shapes (k in 2
   * or 7 blocks over 256 to 1,792 row tiles) it is 6-19 % slower at 16 rows but on o (4096 x 4096:
   * 7.85 against 8.97). At 8 rows the final kernel beat the plan's other kernels on o, qkv, 14336 x
   * 4096 and down on an H200 and on an H100 in the twenty-sixth session (H200: 6.45 us against
   * 7.34, 8.12 against 8.74, 14.13 against 15.08, 14.92 against 15.53); on gate/up (28672 x 4096),
   * where the kernel with x shared by the block runs, the cards disagree (H200 25.09 against 24.12,
   * H100 26.38 against 28.83), so that one keeps it.
   */
  private static boolean xRegistersTake(
      int m, QuantGeometry geo, int multiprocessors, boolean sharedXTakes) {
    if (X_REGISTERS.equals(X_REGISTERS_OFF) || m < 2 || !xRegistersFit(m, geo)) {
      return false;
    }
    return X_REGISTERS.equals(X_REGISTERS_ALWAYS)
        || xRegistersKBlocks(geo) == 1
        || geo.rowTiles() <= multiprocessors
        || m >= X_REGISTERS_ANY_WEIGHT_FROM_ROWS
            && m <= X_REGISTERS_ANY_WEIGHT_TO_ROWS
            && !sharedXTakes;
  }

  /**
   * Whether the kernel with x in registers can take the weight: 1 to 16 rows, 4-bit codes, and no
   * group starting inside a warp's pair of tiles (128 inputs from a multiple of 128).
   */
  private static boolean xRegistersFit(int m, QuantGeometry geo) {
    int pairK = QuantXRegSource.WARP_KTILES * QuantLayout.tileK(4);
    return m >= 1
        && m <= 16
        && geo.bits() == 4
        && (geo.groupCount() == 1 || geo.groupSize() % pairK == 0);
  }

  /**
   * Whether the few-row kernel at one row tile a block takes {@code m} rows of this weight in
   * {@link #of}: 2 to 16 rows of a 4-bit weight in groups of whole tiles, on at least {@link
   * #FEW_ONE_TILE_BLOCKS_PER_SM} blocks an SM.
   */
  private static boolean oneTileFits(int m, QuantGeometry geo, int multiprocessors) {
    return m >= 2
        && oneTileTakes(m, geo)
        && geo.rowTiles() >= FEW_ONE_TILE_BLOCKS_PER_SM * multiprocessors;
  }

  /** Whether there is a one-row-tile instantiation for {@code m} rows of this weight. */
  private static boolean oneTileTakes(int m, QuantGeometry geo) {
    return m <= 16 && geo.bits() == 4 && fewFits(m, geo);
  }

  /**
   * k splits for the few-row kernel, or 0 where the GEMM kernel is the better choice: 2 to 32 rows
   * and codes in groups of whole tiles (8-bit ones by the 4-bit measurements, in tiles of the same
   * 512 bytes: on an H200 that took 8B-shaped 8-bit decode 31 % faster at batch 8 and 25 % at 16
   * than the GEMM kernel, nineteenth session; 8-bit only up to {@link #FEW_MAX_ROWS_8BIT}); up to
   * 16 rows, a block an SM or more, or else k split until there is, each warp keeping {@link
   * #FEW_MIN_TILES_PER_WARP_SPLIT} tiles; above, {@link #FEW_WIDE_BLOCKS_PER_SM} and no split.
   */
  static int fewSplits(int m, QuantGeometry geo, int multiprocessors) {
    if (m < 2 || m > FEW_MAX_ROWS_8BIT && geo.bits() == 8 || !fewFits(m, geo)) {
      return 0;
    }
    int blocks = fewBlocks(geo);
    if (m > 16) {
      return blocks >= FEW_WIDE_BLOCKS_PER_SM * multiprocessors ? 1 : 0;
    }
    if (blocks >= multiprocessors) {
      return 1;
    }
    int splits = (multiprocessors + blocks - 1) / blocks;
    boolean longEnough =
        geo.kTiles() >= (long) splits * QuantGemmSource.WARPS * FEW_MIN_TILES_PER_WARP_SPLIT;
    return longEnough ? splits : 0;
  }

  /**
   * The plan of the few-row kernel with x shared by the block for {@code m} (1 to 32) rows with k
   * split at least {@code splits} ways: more where the rings and a split's rows of x would not fit
   * the block's share of an SM's shared memory (the SM's over the blocks an SM its registers allow,
   * no more than {@code gpu}'s block gives, nor {@link QuantFewSharedXSource#SHARED_MAX}). {@link
   * #of} chooses it by itself, tests and benchmarks force it here.
   */
  public static QuantGemmPlan fewSharedX(
      int m, QuantGeometry geo, int splits, GpuLimits gpu, StreamRef stream) {
    if (!sharedXFits(m, geo)) {
      throw new IllegalArgumentException(
          "the few-row kernel with x shared takes 1 to 32 rows and 4-bit codes in groups of whole"
              + " 64-input tiles, not "
              + m
              + " rows of a "
              + geo.bits()
              + "-bit weight in groups of "
              + geo.groupSize());
    }
    int columnTiles = columnTiles(m);
    int kTiles = geo.kTiles();
    long limit = fewSharedXLimit(m, gpu);
    int chosen = Math.max(1, Math.min(splits, kTiles));
    while (chosen < kTiles && fewSharedXBytes(columnTiles, kTiles, chosen) > limit) {
      chosen++;
    }
    int blocks = fewSharedXBlocks(geo);
    Launch launch =
        Launch.grid(blocks * chosen)
            .block(QuantGemmSource.THREADS)
            .shared((int) fewSharedXBytes(columnTiles, kTiles, chosen))
            .on(stream)
            .overlappingPrevious();
    int rows = QuantLayout.TILE_ROWS * QuantFewSharedXSource.ROW_TILES;
    return split(launch, columnTiles, chosen, blocks, rows, QuantFewSharedXSource.ROW_TILES);
  }

  /**
   * k splits for the few-row kernel with x shared by the block, or 0 where another kernel is the
   * better choice: 2 to 32 rows of a 4-bit weight in groups of whole tiles, from {@link
   * #FEW_SHARED_X_BLOCKS_PER_SM_M8} up to 8 rows, from {@link #FEW_SHARED_X_BLOCKS_PER_SM} up to
   * 16, from {@link #FEW_SHARED_X_MIN_TILES} above; split until the blocks fill the SMs once at the
   * blocks an SM the kernel runs, each split keeping two tiles or more. Up to 8 rows, only where
   * that split's x fits beside the rings: on a GPU with 99 KiB a block the rings leave room for two
   * tiles of x, and splitting k that far would cost more than the ring saves.
   */
  static int fewSharedXSplits(int m, QuantGeometry geo, GpuLimits gpu) {
    if (m < 2 || !sharedXFits(m, geo)) {
      return 0;
    }
    int multiprocessors = gpu.multiprocessors();
    int blocks = fewSharedXBlocks(geo);
    boolean wide =
        m > 16
            ? (long) geo.rowTiles() * geo.kTiles() >= FEW_SHARED_X_MIN_TILES
            : blocks
                >= (m > 8 ? FEW_SHARED_X_BLOCKS_PER_SM : FEW_SHARED_X_BLOCKS_PER_SM_M8)
                    * multiprocessors;
    if (!wide) {
      return 0;
    }
    int splits = Math.max(1, fewSharedXBlocksPerSm(m) * multiprocessors / blocks);
    splits = Math.min(splits, Math.max(1, geo.kTiles() / 2));
    if (m <= 8 && fewSharedXBytes(1, geo.kTiles(), splits) > fewSharedXLimit(m, gpu)) {
      return 0;
    }
    return splits;
  }

  /** Dynamic shared memory a block of the kernel for {@code m} rows may take on {@code gpu}. */
  private static long fewSharedXLimit(int m, GpuLimits gpu) {
    return gpu.dynamicShared(
        QuantFewSharedXSource.SHARED_MAX,
        fewSharedXBlocksPerSm(m),
        QuantFewSharedXSource.STATIC_BYTES);
  }

  /**
   * Blocks an SM the kernel runs: two from 9 to 16 rows ({@code kj_qf::blocks_per_sm}), one above
   * (registers) and up to 8 rows (the eight-slot rings take 96 KiB; the launch bounds would allow
   * two, and the 1-8 row kernel takes 90 registers under them).
   */
  static int fewSharedXBlocksPerSm(int m) {
    return m > 8 && m <= 16 ? 2 : 1;
  }

  private static int fewSharedXBlocks(QuantGeometry geo) {
    int perBlock = QuantFewSharedXSource.ROW_TILES;
    return (geo.rowTiles() + perBlock - 1) / perBlock;
  }

  /** Shared memory of a split: the rings and the instantiation's rows of x over its k-tiles. */
  private static long fewSharedXBytes(int columnTiles, int kTiles, int splits) {
    return QuantFewSharedXSource.sharedBytes(columnTiles, (kTiles + splits - 1) / splits);
  }

  /** Whether the few-row kernel takes the weight: groups of whole tiles, 4- or 8-bit codes. */
  private static boolean fewFits(int m, QuantGeometry geo) {
    return m >= 1 && m <= 32 && geo.groupSize() % QuantLayout.tileK(geo.bits()) == 0;
  }

  /** Whether the few-row kernel with x shared takes the weight: that, and 4-bit codes. */
  private static boolean sharedXFits(int m, QuantGeometry geo) {
    return fewFits(m, geo) && geo.bits() == 4;
  }

  private static int fewBlocks(QuantGeometry geo) {
    return (geo.rowTiles() + QuantFewSource.ROW_TILES - 1) / QuantFewSource.ROW_TILES;
  }

  /**
   * Whether one row of x goes through the streaming kernel: groups of whole tiles (64 inputs of
   * 4-bit codes, 32 of 8-bit: every 8-bit group), enough row tiles to fill the GPU without
   * splitting k, and rings and x that fit the shared memory of a block.
   */
  static boolean streams(int m, QuantGeometry geo, GpuLimits gpu) {
    return m == 1
        && geo.groupSize() % QuantLayout.tileK(geo.bits()) == 0
        && defaultSplits(geo.rowTiles(), geo.kTiles(), gpu.multiprocessors()) == 1
        && QuantStreamSource.sharedBytes(geo.kTiles(), geo.bits())
            <= gpu.dynamicShared(QuantStreamSource.SHARED_MAX, 1, QuantStreamSource.STATIC_BYTES);
  }

  /** Whether the launch is the GEMM's one-row kernel that stages x (not the streaming one). */
  public boolean stagedX() {
    return streamRowTiles == 0 && fewRowTiles == 0 && launch.sharedBytes() > 0;
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
