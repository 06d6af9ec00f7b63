package dev.kernelj.ops.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.kernels.GpuLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The plan stages each block's slice of x in shared memory, splitting k where a slice would not
 * fit, sends one row through a wide 4-bit weight to the streaming kernel and 2 to 32 rows through a
 * long enough one to the few-row kernel.
 */
class QuantGemmPlanTest {
  private static final int SMS = 132;

  /** An H200's SMs and shared memory (a block, an SM). */
  static final GpuLimits H200 = new GpuLimits(SMS, 227 * 1024, 228 * 1024);

  @ParameterizedTest(name = "{0}-bit {1}x{2}, m={3}: splits {4}")
  @CsvSource({
    // 65,536 inputs (131 KB of x) do not stream (x beside the rings would not fit a block): k is
    // cut until a slice fits 72 KiB.
    "4, 4096, 65536, 1, 2",
    "8, 4096, 65536, 1, 2",
  })
  void splitsUntilTheSliceOfXFits(int bits, int rows, int inputs, int m, int splits) {
    QuantGeometry geo = QuantGeometry.of(bits, rows, plain(bits, inputs), true);
    QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT);
    assertEquals(splits, plan.splits());
    assertTrue(plan.stagedX());
    int tileK = QuantLayout.tileK(bits);
    int perSplit = (geo.kTiles() + splits - 1) / splits;
    long bytes = (long) m * (perSplit * tileK + QuantGemmSource.X_ROW_PAD) * 2;
    assertEquals(bytes, plan.launch().sharedBytes());
    assertTrue(bytes <= QuantGemmSource.X_SHARED_MAX, bytes + " bytes of shared memory");
    if (splits > 1) {
      int fewer = (geo.kTiles() + splits - 2) / (splits - 1);
      assertTrue(
          (long) m * (fewer * tileK + QuantGemmSource.X_ROW_PAD) * 2 > QuantGemmSource.X_SHARED_MAX
              || splits == QuantGemmPlan.defaultSplits(geo.rowTiles(), geo.kTiles(), SMS),
          "one split fewer would have fitted");
    }
  }

  @ParameterizedTest(name = "one row through a {0}-bit {1}x{2}: streamed, {3} row tile(s) a block")
  @CsvSource({
    "4, 28672, 4096, 2",
    "4, 14336, 4096, 2",
    "4, 6144, 4096, 1",
    "4, 4096, 14336, 1",
    "8, 28672, 4096, 2",
    "8, 6144, 4096, 1",
    "8, 4096, 14336, 1"
  })
  void oneRowOfAWideWeightStreams(int bits, int rows, int inputs, int perBlock) {
    QuantGeometry geo = QuantGeometry.of(bits, rows, plain(bits, inputs), true);
    QuantGemmPlan plan = QuantGemmPlan.of(1, geo, H200, 0, StreamRef.DEFAULT);
    assertEquals(perBlock, plan.streamRowTiles());
    assertEquals(1, plan.splits());
    assertEquals(0, plan.partialFloats());
    assertFalse(plan.stagedX());
    assertEquals((geo.rowTiles() + perBlock - 1) / perBlock, plan.launch().grid().x());
    long bytes =
        QuantStreamSource.RING_BYTES
            + (long) (inputs + QuantGemmSource.X_ROW_PAD) * 2
            + 4L * (inputs / QuantLayout.tileK(bits));
    assertEquals(bytes, plan.launch().sharedBytes());
  }

  @ParameterizedTest(name = "4-bit {0}x{1}, m={2}: x shared by the block, k split {3} ways")
  @CsvSource({
    // 2-8 rows, from 0.8 blocks of 16 row tiles an SM (112 here): one block an SM, no split.
    "28672, 4096, 8, 1",
    "28672, 4096, 2, 1",
    "28672, 4096, 5, 1",
    // 9-16 rows, from 0.4 blocks of 16 row tiles an SM: split to fill 132 SMs twice.
    "28672, 4096, 16, 2",
    "14336, 4096, 9, 4",
    // 17-32 rows, from 24,576 tiles: split to fill them once; 28672 x 4096 splits once more so
    // that the rings and 32 rows of a split's x fit a block.
    "28672, 4096, 32, 2",
    "14336, 4096, 17, 2",
    "6144, 4096, 24, 5",
    "4096, 14336, 32, 8",
  })
  void wideWeightsShareXAcrossTheBlock(int rows, int inputs, int m, int splits) {
    QuantGeometry geo = QuantGeometry.of(4, rows, plain(4, inputs), true);
    QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT);
    assertEquals(QuantFewSharedXSource.ROW_TILES, plan.fewRowTiles());
    assertFalse(plan.stagedX());
    assertEquals(splits, plan.splits());
    int columnTiles = m <= 8 ? 1 : m <= 16 ? 2 : 4;
    assertEquals(columnTiles, plan.columnTiles());
    int blocks = (geo.rowTiles() + 15) / 16;
    assertEquals(blocks * splits, plan.launch().grid().x());
    int tilesPerSplit = (geo.kTiles() + splits - 1) / splits;
    // Per warp and slot, 512 bytes of codes and 256 of meta for each of its two row tiles.
    int rings = 8 * (m <= 8 ? 8 : m <= 16 ? 3 : 4) * 2 * (512 + 256);
    assertEquals(
        rings + 8 * columnTiles * (tilesPerSplit * 64 + 32) * 2, plan.launch().sharedBytes());
    assertEquals(splits == 1 ? 0 : blocks, plan.counters());
    assertEquals(
        splits == 1 ? 0 : (long) blocks * splits * 256 * 8 * columnTiles, plan.partialFloats());
  }

  @ParameterizedTest(name = "{0}: the few-row kernel, x not shared, {4} row tiles a block")
  @CsvSource({
    "2-3 rows on 56 blocks of 16 row tiles, 3, 14336, 4096, 1",
    "9-16 rows on 24 blocks of 16 row tiles, 16, 6144, 4096, 1",
    "9-16 rows on 16 blocks (k split), 12, 4096, 14336, 2",
    "17-32 rows over 16384 tiles, 32, 4096, 4096, 2",
    "17-32 rows over 12288 tiles, 32, 3072, 4096, 2",
  })
  void smallerWeightsKeepTheFewRowKernel(String what, int m, int rows, int inputs, int rowTiles) {
    QuantGeometry geo = QuantGeometry.of(4, rows, plain(4, inputs), true);
    QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT);
    assertEquals(rowTiles, plan.fewRowTiles());
  }

  @ParameterizedTest(name = "{0}: the GEMM kernel")
  @CsvSource({
    "two rows, 2, 4, 14336, 128, 0",
    "groups of 32 inputs, 1, 4, 14336, 32, 0",
    "8-bit codes on too few row tiles, 1, 8, 2048, 128, 0",
    "too few row tiles to fill the GPU, 1, 4, 2048, 128, 0",
    "a split asked for, 1, 4, 14336, 128, 1",
  })
  void whatTheStreamingKernelDoesNotCoverGoesToTheGemm(
      String what, int m, int bits, int rows, int groupSize, int splits) {
    QuantGeometry geo = QuantGeometry.of(bits, rows, grouped(bits, 4096, groupSize), true);
    QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, splits, StreamRef.DEFAULT);
    assertEquals(0, plan.streamRowTiles());
  }

  @ParameterizedTest(
      name = "4-bit {0}x{1}, m={2}: the few-row kernel, {4} row tiles a block, k split {3} ways")
  @CsvSource({
    // Up to 16 rows unsplit (at 4-8 rows only where x in registers does not fit): one row tile a
    // block, four blocks an SM up to 8 rows, three to 16.
    "6144, 4096, 3, 1, 1",
    "6144, 4096, 16, 1, 1",
    "14336, 4096, 2, 1, 1",
    // 256 blocks of one row tile, where two would need a split that k is too short for.
    "4096, 4096, 2, 1, 1",
    "4096, 4096, 16, 1, 1",
    // 128 blocks of two row tiles: split to fill 132 SMs, 14 tiles a warp left.
    "4096, 14336, 3, 2, 2",
    "4096, 14336, 12, 2, 2",
    // 17-32 rows: two row tiles, no split, from 0.7 blocks an SM (128 here).
    "4096, 4096, 32, 1, 2",
    "3072, 4096, 20, 1, 2",
  })
  void twoToThirtyTwoRowsOfAFourBitWeightTakeTheFewRowKernel(
      int rows, int inputs, int m, int splits, int rowTiles) {
    QuantGeometry geo = QuantGeometry.of(4, rows, plain(4, inputs), true);
    QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT);
    assertEquals(rowTiles, plan.fewRowTiles());
    assertEquals(0, plan.streamRowTiles());
    assertFalse(plan.stagedX());
    assertEquals(splits, plan.splits());
    assertEquals(m <= 8 ? 1 : m <= 16 ? 2 : 4, plan.columnTiles());
    int blocks = (geo.rowTiles() + rowTiles - 1) / rowTiles;
    assertEquals(blocks * splits, plan.launch().grid().x());
    assertEquals(0, plan.launch().sharedBytes());
    assertEquals(splits == 1 ? 0 : blocks, plan.counters());
    assertEquals(
        splits == 1 ? 0 : (long) blocks * splits * 16 * rowTiles * 8 * plan.columnTiles(),
        plan.partialFloats());
  }

  @ParameterizedTest(name = "one row tile a block is refused for {0}")
  @CsvSource({"17 rows, 17, 4", "8-bit codes, 8, 8"})
  void oneRowTileABlockIsForUpToSixteenRowsOfAFourBitWeight(String what, int m, int bits) {
    QuantGeometry geo = QuantGeometry.of(bits, 4096, plain(bits, 4096), true);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> QuantGemmPlan.few(m, geo, 1, 1, StreamRef.DEFAULT));
    assertTrue(e.getMessage().contains("one row tile a block"), e.getMessage());
  }

  @ParameterizedTest(name = "{0}: the GEMM kernel")
  @CsvSource({
    "too few row tiles for one a block and a k too short to split, 8, 4, 1024, 4096, 128",
    "too few row tiles for one a block and a short k, 16, 4, 1536, 2048, 128",
    "one row, 1, 4, 2048, 4096, 128",
    "33 rows, 33, 4, 14336, 4096, 128",
    "32 rows on 64 blocks, 32, 4, 2048, 2048, 128",
    "8-bit codes on too few blocks and a short k, 16, 8, 3072, 2048, 128",
    "groups of 32 inputs, 8, 4, 14336, 4096, 32",
  })
  void whatTheFewRowKernelDoesNotCoverGoesToTheGemm(
      String what, int m, int bits, int rows, int inputs, int groupSize) {
    int[] groups = new int[inputs];
    for (int i = 0; i < groups.length; i++) {
      groups[i] = i / groupSize;
    }
    InputOrder order = InputOrder.of(bits, groups, inputs / groupSize, groupSize);
    QuantGeometry geo = QuantGeometry.of(bits, rows, order, true);
    QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT);
    assertEquals(0, plan.fewRowTiles());
    assertEquals(0, plan.streamRowTiles());
  }

  @ParameterizedTest(
      name = "{0} rows of x over 4096 inputs: x read from global memory, no shared memory")
  @CsvSource({"33", "40", "64"})
  void manyRowsAreNotStaged(int m) {
    QuantGeometry geo = QuantGeometry.of(4, 14336, plain(4, 4096), true);
    QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT);
    assertEquals(1, plan.splits());
    assertEquals(0, plan.launch().sharedBytes());
    assertTrue(!plan.stagedX());
  }

  /** Groups of 128 consecutive inputs, as plain GPTQ checkpoints have them. */
  private static InputOrder plain(int bits, int inputs) {
    return grouped(bits, inputs, 128);
  }

  /** Inputs in their own order, in groups of {@code groupSize}. */
  private static InputOrder grouped(int bits, int inputs, int groupSize) {
    int[] groups = new int[inputs];
    for (int i = 0; i < inputs; i++) {
      groups[i] = i / groupSize;
    }
    return InputOrder.of(bits, groups, inputs / groupSize, groupSize);
  }

  @ParameterizedTest(name = "a short weight ({0} rows) still splits to fill {1} SMs")
  @CsvSource({"1024, 132", "2048, 132"})
  void shortWeightsSplitForParallelism(int rows, int sms) {
    QuantGeometry geo = QuantGeometry.of(4, rows, plain(4, 4096), true);
    QuantGemmPlan plan = QuantGemmPlan.of(1, geo, withSms(sms), 0, StreamRef.DEFAULT);
    assertEquals(QuantGemmPlan.defaultSplits(geo.rowTiles(), geo.kTiles(), sms), plan.splits());
    assertTrue(plan.splits() > 1);
    assertEquals((long) plan.splits() * geo.rowTiles() * 16 * 8, plan.partialFloats());
  }

  /**
   * Static shared memory of the kernel a plan launches, as its CUDA C declares it (the launch's
   * dynamic shared memory comes on top).
   */
  private static int staticBytes(QuantGemmPlan plan) {
    if (plan.streamRowTiles() > 0) {
      return QuantStreamSource.STATIC_BYTES;
    }
    if (plan.fewRowTiles() == QuantFewSharedXSource.ROW_TILES) {
      return QuantFewSharedXSource.STATIC_BYTES;
    }
    if (plan.xRegisters()) {
      // red[NB][W][16][8 MT] f32 (NB: 4 row tiles a batch at one column tile, 2 at two) and a flag
      return QuantXRegSource.WARPS * 16 * 8 * 4 * 4 + 16;
    }
    return plan.stagedX() ? QuantGemmSource.STAGED_STATIC_BYTES : 0;
  }

  @ParameterizedTest(name = "{0}x{1}, {2} rows: launches of {3}")
  @CsvSource({
    // 33 to 63 rows of the 8B shapes go as 32 and the rest: the few-row kernels take 32 rows
    "28672, 4096, 48, 32",
    "6144, 4096, 33, 32",
    "4096, 4096, 63, 32",
    "4096, 14336, 40, 32",
    "28672, 4096, 32, 32",
    "28672, 4096, 20, 20",
    "28672, 4096, 100, 32",
    // a weight too small for the few-row kernels at 32 rows keeps the GEMM kernel's 64
    "512, 1024, 48, 48",
    "512, 1024, 100, 64"
  })
  void launchRowsCapAtThirtyTwoWhereTheFewRowKernelsTakeTheWeight(
      int n, int k, int m, int expected) {
    QuantGeometry geo = QuantGeometry.of(4, n, plain(4, k), true);
    assertEquals(expected, QuantGemmPlan.launchRows(m, geo, H200));
    if (expected == 32) {
      QuantGemmPlan plan = QuantGemmPlan.of(32, geo, H200, 0, StreamRef.DEFAULT);
      assertTrue(plan.fewRowTiles() > 0, "32 rows of " + n + "x" + k + " take " + plan);
    }
  }

  @ParameterizedTest(name = "4-bit {0}x{1}, m={2}: x in registers, k in {3} blocks, {4} runs")
  @CsvSource({
    // k in one block (2,048 inputs): runs of row tiles for one block an SM, or one a row tile.
    "16384, 2048, 8, 1, 132",
    "16384, 2048, 12, 1, 132",
    "2048, 2048, 16, 1, 128",
    "3072, 2048, 2, 1, 132",
    "2048, 1024, 5, 1, 128",
    // No more row tiles than SMs: k in 4 blocks of 2,048 inputs, 33 runs.
    "2048, 8192, 4, 4, 33",
    "2048, 8192, 16, 4, 33",
    "1536, 8960, 9, 5, 26",
    // 4-8 rows of any weight where x is not shared by the block: 66 runs of k in 2 blocks, 18 of 7.
    "6144, 4096, 8, 2, 66",
    "14336, 4096, 5, 2, 66",
    "4096, 14336, 4, 7, 18",
  })
  void narrowKOrFewRowTilesHoldXInRegisters(int rows, int inputs, int m, int kBlocks, int runs) {
    QuantGeometry geo = QuantGeometry.of(4, rows, plain(4, inputs), true);
    QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT);
    assertTrue(plan.xRegisters(), plan.toString());
    assertEquals(0, plan.fewRowTiles());
    assertEquals(0, plan.streamRowTiles());
    assertFalse(plan.stagedX());
    assertEquals(kBlocks, plan.splits());
    assertEquals(m <= 8 ? 1 : 2, plan.columnTiles());
    assertEquals(runs * kBlocks, plan.launch().grid().x());
    assertEquals(QuantXRegSource.THREADS, plan.launch().block().x());
    assertEquals(0, plan.launch().sharedBytes());
    int rowTiles = geo.rowTiles();
    assertEquals(kBlocks == 1 ? 0 : rowTiles, plan.counters());
    assertEquals(
        kBlocks == 1 ? 0 : (long) rowTiles * kBlocks * 16 * 8 * plan.columnTiles(),
        plan.partialFloats());
  }

  @ParameterizedTest(name = "{0}: not x in registers")
  @CsvSource({
    "Llama-3-8B's o: 256 row tiles and k in 2 blocks, 4, 4096, 4096, 128, 16",
    "Llama-3-8B's down: 256 row tiles and k in 7 blocks, 4, 4096, 14336, 128, 12",
    "Llama-3-8B's qkv at 3 rows, 4, 6144, 4096, 128, 3",
    "Llama-3-8B's gate/up at 8 rows (x shared by the block), 4, 28672, 4096, 128, 8",
    "one row, 4, 2048, 2048, 128, 1",
    "17 rows, 4, 2048, 2048, 128, 17",
    "8-bit codes, 8, 2048, 2048, 128, 8",
    "groups of 64 inputs, 4, 2048, 2048, 64, 8",
  })
  void xStaysOutOfRegisters(String what, int bits, int rows, int inputs, int groupSize, int m) {
    QuantGeometry geo = QuantGeometry.of(bits, rows, grouped(bits, inputs, groupSize), true);
    assertFalse(QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT).xRegisters());
  }

  @ParameterizedTest(name = "x in registers refuses {0}")
  @CsvSource({
    "17 rows, 4, 128, 17",
    "8-bit codes, 8, 128, 8",
    "groups of 64 inputs, 4, 64, 8",
  })
  void xInRegistersRefusesWhatItCannotTake(String what, int bits, int groupSize, int m) {
    QuantGeometry geo = QuantGeometry.of(bits, 2048, grouped(bits, 2048, groupSize), true);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> QuantGemmPlan.xRegisters(m, geo, H200, StreamRef.DEFAULT));
    assertTrue(e.getMessage().contains("x in registers"), e.getMessage());
  }

  @ParameterizedTest(name = "8-bit {0}x{1}, m={2}: the few-row kernel, k split {3} ways")
  @CsvSource({
    "28672, 4096, 16, 1",
    "6144, 4096, 8, 1",
    // 128 blocks of two row tiles: split to fill 132 SMs; 8-bit tiles are 32 inputs, so 4096
    // inputs leave each warp 8 tiles (the same 512-byte tiles the 4-bit rule counts).
    "4096, 4096, 8, 2",
    "4096, 14336, 12, 2",
  })
  void eightBitWeightsTakeTheFewRowKernel(int rows, int inputs, int m, int splits) {
    QuantGeometry geo = QuantGeometry.of(8, rows, plain(8, inputs), true);
    QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT);
    assertEquals(QuantFewSource.ROW_TILES, plan.fewRowTiles(), plan.toString());
    assertEquals(splits, plan.splits());
    assertEquals(m <= 8 ? 1 : 2, plan.columnTiles());
  }

  @ParameterizedTest(name = "8-bit {0}x{1}: 17 to 64 rows take the GEMM kernel, in one launch")
  @CsvSource({"28672, 4096", "14336, 4096", "6144, 4096", "4096, 4096", "4096, 14336"})
  void eightBitWeightsAboveSixteenRowsTakeTheGemmKernel(int rows, int inputs) {
    QuantGeometry geo = QuantGeometry.of(8, rows, plain(8, inputs), true);
    for (int m = 17; m <= QuantGemmPlan.MAX_ROWS; m++) {
      QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT);
      assertEquals(0, plan.fewRowTiles(), "m=" + m + ": " + plan);
      assertEquals(0, plan.streamRowTiles(), "m=" + m + ": " + plan);
      assertEquals(m, QuantGemmPlan.launchRows(m, geo, H200));
    }
  }

  @Test
  void eightBitWeightsNeverShareXAcrossTheBlock() {
    QuantGeometry geo = QuantGeometry.of(8, 28672, plain(8, 4096), true);
    for (int m = 2; m <= 16; m++) {
      QuantGemmPlan plan = QuantGemmPlan.of(m, geo, H200, 0, StreamRef.DEFAULT);
      assertEquals(QuantFewSource.ROW_TILES, plan.fewRowTiles(), "m=" + m + ": " + plan);
    }
  }

  @ParameterizedTest(name = "{0}: every plan fits a block and its blocks an SM")
  @CsvSource({
    // name, SMs, opt-in bytes a block, bytes an SM
    "H200, 132, 232448, 233472",
    "A100, 108, 166912, 167936",
    "L40S (sm_89), 142, 101376, 102400",
    "RTX 3090 (sm_86), 82, 101376, 102400",
  })
  void plansFitTheSharedMemoryOfTheGpu(String gpu, int sms, int perBlock, int perSm) {
    GpuLimits limits = new GpuLimits(sms, perBlock, perSm);
    int[][] shapes = {
      {4096, 4096}, {6144, 4096}, {28672, 4096}, {4096, 14336}, {16384, 2048}, {4096, 28672}
    };
    for (int[] shape : shapes) {
      for (int bits : new int[] {4, 8}) {
        QuantGeometry geo = QuantGeometry.of(bits, shape[0], plain(bits, shape[1]), true);
        for (int m = 1; m <= QuantGemmPlan.MAX_ROWS; m++) {
          QuantGemmPlan plan = QuantGemmPlan.of(m, geo, limits, 0, StreamRef.DEFAULT);
          String what =
              gpu + ", " + bits + "-bit " + shape[0] + "x" + shape[1] + ", m=" + m + ": " + plan;
          int perLaunchBlock = plan.launch().sharedBytes() + staticBytes(plan);
          assertTrue(perLaunchBlock <= perBlock, what);
          // x shared by the block runs two blocks an SM up to 16 rows: both must fit.
          int blocks =
              plan.fewRowTiles() == QuantFewSharedXSource.ROW_TILES && m > 8 && m <= 16 ? 2 : 1;
          assertTrue(blocks * (perLaunchBlock + GpuLimits.RESERVED_PER_BLOCK) <= perSm, what);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} rows of 28672x4096: x shared, split further on a 99 KiB GPU")
  @CsvSource({"16", "32"})
  void smallerSharedMemorySplitsKFurther(int m) {
    QuantGeometry geo = QuantGeometry.of(4, 28672, plain(4, 4096), true);
    QuantGemmPlan hopper = QuantGemmPlan.fewSharedX(m, geo, 1, H200, StreamRef.DEFAULT);
    QuantGemmPlan ada =
        QuantGemmPlan.fewSharedX(
            m, geo, 1, new GpuLimits(SMS, 99 * 1024, 100 * 1024), StreamRef.DEFAULT);
    assertTrue(ada.splits() > hopper.splits(), hopper + " / " + ada);
    assertTrue(ada.launch().sharedBytes() < hopper.launch().sharedBytes());
  }

  @Test
  void whereTheRingsLeaveNoRoomForXEightRowsHoldXInRegistersAndThreeTakeTheFewRowKernel() {
    QuantGeometry geo = QuantGeometry.of(4, 28672, plain(4, 4096), true);
    GpuLimits ampere = new GpuLimits(82, 101376, 102400);
    assertEquals(
        QuantFewSharedXSource.ROW_TILES,
        QuantGemmPlan.of(8, geo, H200, 0, StreamRef.DEFAULT).fewRowTiles());
    QuantGemmPlan eight = QuantGemmPlan.of(8, geo, ampere, 0, StreamRef.DEFAULT);
    assertTrue(eight.xRegisters(), eight.toString());
    QuantGemmPlan three = QuantGemmPlan.of(3, geo, ampere, 0, StreamRef.DEFAULT);
    assertEquals(1, three.fewRowTiles(), three.toString());
  }

  /** {@link #H200}'s shared memory with {@code sms} SMs. */
  static GpuLimits withSms(int sms) {
    return new GpuLimits(sms, H200.sharedPerBlock(), H200.sharedPerMultiprocessor());
  }
}
