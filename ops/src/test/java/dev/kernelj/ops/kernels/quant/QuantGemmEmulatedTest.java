package dev.kernelj.ops.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.kernels.FakeTensors;
import dev.kernelj.ops.kernels.GpuLimits;
import dev.kernelj.ops.kernels.HostEmulator;
import dev.kernelj.ops.kernels.RecordingKernels;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The quantized kernels' CUDA C run on the CPU by the {@link HostEmulator} (a software {@code
 * mma.sync} with the PTX fragment layout), launched exactly as {@link QuantGemm} launches them,
 * against the reference twin on the same packed words: the dequantization tricks of each dtype and
 * code width, group switches inside a tile and across meta chunks, act-order gathers, rows of x
 * spread over several column tiles, the split-k reduction, rows and inputs that do not fill a tile,
 * and outputs that must stay untouched outside the matrix.
 */
class QuantGemmEmulatedTest {
  /** An H200's SMs and shared memory, and a GPU of one such SM. */
  private static final GpuLimits H200 = QuantGemmPlanTest.H200;

  private static final GpuLimits ONE_SM = QuantGemmPlanTest.withSms(1);

  @BeforeEach
  void requireCompiler() {
    String why = HostEmulator.unavailableReason();
    assumeTrue(why == null, () -> "host emulation skipped: " + why);
  }

  @ParameterizedTest(name = "{0} {1}-bit {2}x{3} group {4} act-order {5} m={6} splits {7}")
  @CsvSource({
    "BF16, 4, 32, 256, 32, false, 1, 1",
    "F16, 4, 24, 192, 64, true, 3, 1",
    "BF16, 4, 16, 1088, 16, false, 2, 1",
    "BF16, 8, 32, 128, 32, true, 9, 1",
    "F16, 8, 20, 96, -1, false, 1, 1",
    "BF16, 4, 48, 512, 128, false, 17, 3",
    "F16, 8, 16, 256, 64, false, 40, 2",
    // Rows of x 8-byte but not 16-byte aligned, the last pair of steps half past the inputs.
    "BF16, 8, 24, 100, -1, false, 3, 1",
    "F16, 4, 32, 1092, -1, false, 5, 1"
  })
  void gemmMatchesItsTwin(
      DType t, int bits, int rows, int inputs, int groupSize, boolean actOrder, int m, int splits)
      throws Exception {
    SplittableRandom random = new SplittableRandom(rows * 7L + inputs + m);
    QuantFixture f = fixture(random, t, bits, rows, inputs, groupSize, actOrder);
    float[] x = QuantGemmReferenceTest.activations(random, m, inputs, t);
    QuantGemmPlan plan = QuantGemmPlan.of(m, f.geo, H200, splits, StreamRef.DEFAULT);
    assertEquals(splits, plan.splits());
    assertEquals(0, plan.streamRowTiles());
    runAgainstTwin(t, f, x, m, plan);
  }

  /**
   * One row through the streaming kernel: one SM makes any weight of two or more row tiles "wide
   * enough"; three row tiles put two in a block, the second block half empty; 192 inputs leave most
   * warps without a tile; 1152 inputs in groups of two tiles start three warps mid-group and cross
   * from one 8-group chunk of meta to the next; 2112 and 4224 inputs give warps a whole round of 8
   * tiles and a rest.
   */
  @ParameterizedTest(
      name = "{0} {1}-bit streamed {2}x{3} group {4} act-order {5}: {6} row tile(s) a block")
  @CsvSource({
    "BF16, 4, 48, 512, 128, false, 2",
    "F16, 4, 24, 192, 64, true, 1",
    "F16, 4, 40, 320, -1, false, 2",
    "BF16, 4, 32, 1088, 64, false, 1",
    "BF16, 4, 32, 1152, 128, false, 1",
    "F16, 4, 32, 1152, 128, true, 1",
    "BF16, 4, 48, 2112, 64, false, 2",
    "F16, 4, 32, 4224, 128, true, 1",
    // 8-bit: 32-input tiles (f16 codes over 1024, bf16 exact q - zero), groups of one tile and of
    // four, a group of all of k, rounds of 8 tiles and a rest, act-order, a half-empty block.
    "F16, 8, 48, 512, 128, false, 2",
    "BF16, 8, 48, 512, 128, false, 2",
    "F16, 8, 24, 96, 32, true, 1",
    "BF16, 8, 40, 320, -1, false, 2",
    "F16, 8, 32, 1152, 128, true, 1",
    "BF16, 8, 32, 2112, 64, true, 1",
    "F16, 8, 48, 4224, 128, false, 2"
  })
  void streamMatchesItsTwin(
      DType t, int bits, int rows, int inputs, int groupSize, boolean actOrder, int perBlock)
      throws Exception {
    SplittableRandom random = new SplittableRandom(rows * 5L + inputs + bits);
    QuantFixture f = fixture(random, t, bits, rows, inputs, groupSize, actOrder);
    float[] x = QuantGemmReferenceTest.activations(random, 1, inputs, t);
    QuantGemmPlan plan = QuantGemmPlan.of(1, f.geo, ONE_SM, 0, StreamRef.DEFAULT);
    assertEquals(perBlock, plan.streamRowTiles());
    runAgainstTwin(t, f, x, 1, plan);
  }

  /**
   * 2 to 32 rows through the few-row kernel (two row tiles a block): a last block whose second row
   * tile lies past the matrix, a last row tile half empty, groups of one tile, two tiles and all of
   * k, warp ranges that start mid-group and cross several group boundaries, act-order, and k split
   * across blocks.
   */
  @ParameterizedTest(name = "{0} {1}-bit few rows {2}x{3} group {4} act-order {5} m={6} splits {7}")
  @CsvSource({
    "BF16, 4, 100, 1024, 128, false, 8, 1",
    "F16, 4, 100, 1024, -1, false, 16, 2",
    "BF16, 4, 181, 4096, 64, false, 13, 1",
    "F16, 4, 48, 512, 128, true, 5, 3",
    "BF16, 4, 37, 2048, 128, false, 2, 4",
    "F16, 4, 64, 4096, 128, false, 9, 2",
    "BF16, 4, 100, 1024, 128, false, 25, 1",
    "F16, 4, 37, 512, 64, true, 32, 2",
    // 8-bit: 32-input tiles, groups of one tile, of four and of all of k, warps starting
    // mid-group, act-order, k split, every column-tile count.
    "BF16, 8, 100, 1024, 128, false, 8, 1",
    "F16, 8, 100, 1024, 32, true, 16, 2",
    "BF16, 8, 181, 2048, -1, false, 13, 1",
    "F16, 8, 48, 544, 64, false, 5, 3",
    "BF16, 8, 37, 512, 128, true, 27, 2",
    "F16, 8, 64, 4096, 128, false, 32, 1"
  })
  void fewRowsMatchTheirTwin(
      DType t, int bits, int rows, int inputs, int groupSize, boolean actOrder, int m, int splits)
      throws Exception {
    SplittableRandom random = new SplittableRandom(rows * 3L + inputs + m + bits);
    QuantFixture f = fixture(random, t, bits, rows, inputs, groupSize, actOrder);
    float[] x = QuantGemmReferenceTest.activations(random, m, inputs, t);
    QuantGemmPlan plan = QuantGemmPlan.few(m, f.geo, splits, StreamRef.DEFAULT);
    assertEquals(QuantFewSource.ROW_TILES, plan.fewRowTiles());
    assertEquals(splits, plan.splits());
    runAgainstTwin(t, f, x, m, plan);
  }

  /**
   * 2 to 16 rows of a 4-bit weight through the few-row kernel at one row tile a block: a last row
   * tile half empty, groups of one tile, two and all of k, act-order, and k split across blocks
   * (the plan does not split it, tests and benchmarks may).
   */
  @ParameterizedTest(
      name = "{0} few rows, one row tile a block, {1}x{2} group {3} m={5} splits {6}")
  @CsvSource({
    "BF16, 100, 1024, 128, false, 8, 1",
    "F16, 100, 1024, -1, false, 16, 2",
    "BF16, 181, 4096, 64, false, 13, 1",
    "F16, 48, 512, 128, true, 5, 3",
    "BF16, 37, 2048, 128, true, 2, 1",
    "F16, 64, 4096, 128, false, 9, 1"
  })
  void fewRowsOneRowTileABlockMatchTheirTwin(
      DType t, int rows, int inputs, int groupSize, boolean actOrder, int m, int splits)
      throws Exception {
    SplittableRandom random = new SplittableRandom(rows * 7L + inputs + m);
    QuantFixture f = fixture(random, t, 4, rows, inputs, groupSize, actOrder);
    float[] x = QuantGemmReferenceTest.activations(random, m, inputs, t);
    QuantGemmPlan plan = QuantGemmPlan.few(m, f.geo, splits, 1, StreamRef.DEFAULT);
    assertEquals(1, plan.fewRowTiles());
    assertEquals(splits, plan.splits());
    assertEquals(f.geo.rowTiles() * splits, plan.launch().grid().x());
    runAgainstTwin(t, f, x, m, plan);
  }

  /**
   * 1 to 16 rows through the few-row kernel with x held in registers: k in one block (a last warp
   * with one tile, warps with none), split over two and three blocks (the last one short), groups
   * of two tiles, four and all of k, act-order, a last row tile half empty, one SM (every row tile
   * in one run, batches of row tiles with one left over, an end-of-run sum of more cells than a
   * block adds in one pass) and many (runs of one or two row tiles, runs past the matrix, with and
   * without a split k), and x rows 8 bytes off a 16-byte boundary.
   */
  @ParameterizedTest(
      name = "{0} x in registers {1}x{2} group {3} act-order {4} m={5} on {6} SMs x +{7}")
  @CsvSource({
    "BF16, 100, 1984, 128, false, 16, 132, 0",
    "F16, 100, 1984, 128, true, 9, 1, 0",
    "BF16, 48, 4096, 256, false, 8, 132, 0",
    "F16, 56, 4160, -1, false, 13, 3, 0",
    "BF16, 300, 2176, 128, true, 2, 2, 4",
    "F16, 40, 512, 128, false, 1, 1, 4",
    "BF16, 200, 6144, 128, false, 11, 132, 0",
    "F16, 100, 1984, 128, false, 16, 5, 0",
    // k in 2 blocks on 10 SMs: runs of 2, 2, 2 and 1 row tiles and one empty run; k in 3 blocks
    // on 2 SMs: one run of 7 row tiles, batches of 4 and 3.
    "BF16, 100, 4096, 128, true, 12, 10, 0",
    "F16, 112, 4160, -1, false, 6, 2, 0",
    // k in 2 blocks on 2 SMs: one run of 21 row tiles (the last one short), whose end-of-run sum
    // takes a thread three passes of its batch of cells, the last part empty.
    "BF16, 330, 4096, 128, false, 16, 2, 0",
    // k in 5 blocks on 3 SMs: the end-of-run sum's loads in a batch of four k blocks and one of
    // one.
    "F16, 40, 10240, 128, false, 9, 3, 0"
  })
  void xInRegistersMatchesItsTwin(
      DType t, int rows, int inputs, int groupSize, boolean actOrder, int m, int sms, int xOffset)
      throws Exception {
    SplittableRandom random = new SplittableRandom(rows * 11L + inputs + m);
    QuantFixture f = fixture(random, t, 4, rows, inputs, groupSize, actOrder);
    float[] x = QuantGemmReferenceTest.activations(random, m, inputs, t);
    GpuLimits gpu = QuantGemmPlanTest.withSms(sms);
    QuantGemmPlan plan = QuantGemmPlan.xRegisters(m, f.geo, gpu, StreamRef.DEFAULT);
    assertTrue(plan.xRegisters());
    assertEquals(
        (f.geo.kTiles() + QuantXRegSource.BLOCK_KTILES - 1) / QuantXRegSource.BLOCK_KTILES,
        plan.splits());
    runAgainstTwin(t, f, x, m, plan, xOffset);
  }

  /**
   * x rows 8 bytes off a 16-byte boundary (a view into a larger buffer) take the few-row kernel's
   * checked loads instead of its 16-byte ones.
   */
  @ParameterizedTest(name = "{0} few rows, x misaligned: m={1}")
  @CsvSource({"BF16, 8", "F16, 13"})
  void fewRowsReadMisalignedX(DType t, int m) throws Exception {
    SplittableRandom random = new SplittableRandom(m);
    QuantFixture f = fixture(random, t, 4, 100, 1024, 128, false);
    float[] x = QuantGemmReferenceTest.activations(random, m, 1024, t);
    QuantGemmPlan plan = QuantGemmPlan.few(m, f.geo, 1, StreamRef.DEFAULT);
    runAgainstTwin(t, f, x, m, plan, 4);
  }

  /**
   * 1 to 32 rows through the few-row kernel with x shared by the block (16 row tiles a block): a
   * last block mostly past the matrix with its last row tile half empty, groups of one tile, two
   * tiles and all of k, act-order, k split evenly and not, one block split 16 ways, splits that
   * start mid-group, splits of whole rounds of the weight ring and with tiles left over, and x rows
   * 8 bytes off a 16-byte boundary (the 8-byte copies).
   */
  @ParameterizedTest(
      name = "{0} x shared {1}x{2} group {3} act-order {4} m={5} splits {6} x at +{7}")
  @CsvSource({
    "BF16, 300, 1024, 128, false, 16, 1, 0",
    "F16, 260, 2048, 64, true, 13, 3, 0",
    "BF16, 513, 512, -1, false, 32, 2, 0",
    "F16, 256, 1024, 128, false, 9, 5, 0",
    "BF16, 100, 4096, 128, false, 25, 16, 0",
    "BF16, 300, 1024, 128, true, 11, 2, 4",
    "F16, 40, 512, 64, false, 30, 1, 4",
    // Splits of 7 tiles starting mid-group (groups of two tiles), 3 and 4 ring slots: whole
    // rounds then the rest; 7 tiles in one split at 4 slots: one round and three left.
    "F16, 96, 1216, 128, false, 12, 3, 0",
    "BF16, 48, 1216, 128, true, 31, 3, 0",
    "F16, 72, 448, 64, false, 20, 1, 0",
    // 1-8 rows, eight ring slots: 16 tiles (two rounds); 19 tiles split 10 and 9 (a round and
    // the rest); 7 tiles (no whole round); one row; x 8 bytes off.
    "BF16, 300, 1024, 128, false, 8, 1, 0",
    "F16, 96, 1216, 128, true, 5, 2, 0",
    "BF16, 40, 448, 64, false, 3, 1, 4",
    "F16, 260, 2048, 64, false, 1, 3, 0"
  })
  void sharedXRowsMatchTheirTwin(
      DType t,
      int rows,
      int inputs,
      int groupSize,
      boolean actOrder,
      int m,
      int splits,
      int xOffset)
      throws Exception {
    SplittableRandom random = new SplittableRandom(rows * 5L + inputs + m);
    QuantFixture f = fixture(random, t, 4, rows, inputs, groupSize, actOrder);
    float[] x = QuantGemmReferenceTest.activations(random, m, inputs, t);
    QuantGemmPlan plan = QuantGemmPlan.fewSharedX(m, f.geo, splits, H200, StreamRef.DEFAULT);
    assertEquals(QuantFewSharedXSource.ROW_TILES, plan.fewRowTiles());
    assertEquals(splits, plan.splits());
    runAgainstTwin(t, f, x, m, plan, xOffset);
  }

  /** Random codes and scales (bf16 scales with bf16 activations, else f16). */
  private static QuantFixture fixture(
      SplittableRandom random,
      DType t,
      int bits,
      int rows,
      int inputs,
      int groupSize,
      boolean actOrder) {
    return new QuantFixture(
        random, bits, rows, inputs, groupSize, actOrder, t == DType.BF16, QuantFixture.Kind.RANDOM);
  }

  private static void runAgainstTwin(DType t, QuantFixture f, float[] x, int m, QuantGemmPlan plan)
      throws Exception {
    runAgainstTwin(t, f, x, m, plan, 0);
  }

  /**
   * Launches the plan's GEMM as QuantGemm does and compares every output with the twin's; x starts
   * {@code xOffset} elements into its buffer.
   */
  private static void runAgainstTwin(
      DType t, QuantFixture f, float[] x, int m, QuantGemmPlan plan, int xOffset) throws Exception {
    int rows = f.rows;
    HostEmulator emu = HostEmulator.of(QuantGemmKernels.Cuda.class, "KJ_QUANT");
    RecordingKernels<QuantGemmKernels.Cuda> rec = RecordingKernels.of(QuantGemmKernels.Cuda.class);
    float[] padded = new float[xOffset + x.length];
    System.arraycopy(x, 0, padded, xOffset, x.length);
    long dx = emu.buffer(t, padded) + (long) xOffset * t.byteSize();
    long dcodes = emu.intBuffer(f.codeWords);
    long dmeta = emu.intBuffer(f.metaWords);
    int kx = f.geo.gemmInputs();
    long gemmX = dx;
    if (f.order.permuted()) {
      long dmap = emu.intBuffer(f.order.map());
      gemmX = emu.buffer(t, new float[m * kx]);
      QuantGemm.gather(
          rec.kernels(),
          StreamRef.DEFAULT,
          FakeTensors.at(t, gemmX),
          FakeTensors.at(t, dx),
          FakeTensors.at(DType.I32, dmap),
          m,
          kx,
          f.inputs,
          kx);
    }
    long ldo = rows + 3;
    float[] poisoned = new float[m * (int) ldo];
    java.util.Arrays.fill(poisoned, Float.NaN);
    long dout = emu.buffer(t, poisoned);
    long partials = emu.buffer(DType.F32, new float[(int) Math.max(1, plan.partialFloats())]);
    long counters = emu.intBuffer(new int[Math.max(1, plan.counters())]);
    QuantGemm.gemm(
        rec.kernels(),
        plan,
        f.geo,
        FakeTensors.at(t, dout),
        FakeTensors.at(t, gemmX),
        FakeTensors.at(DType.I32, dcodes),
        FakeTensors.at(DType.I32, dmeta),
        FakeTensors.at(DType.F32, partials),
        FakeTensors.at(DType.I32, counters),
        m,
        kx,
        ldo);
    for (RecordingKernels.Call call : rec.calls()) {
      emu.run(call);
    }

    float[] expected = new float[m * (int) ldo];
    QuantGemmReference.gemm(
        t, expected, 0, ldo, f.gemmInput(x, m), 0, kx, m, f.geo, f.codeWords, 0, f.metaWords, 0);
    float[] actual = emu.values(dout);
    for (int i = 0; i < m; i++) {
      for (int c = 0; c < ldo; c++) {
        int at = i * (int) ldo + c;
        if (c >= rows) {
          assertTrue(Float.isNaN(actual[at]), "column " + c + " past the matrix was written");
          continue;
        }
        double tol =
            2 * Math.ulp(DTypes.round(t, Math.abs(expected[at])))
                + 1e-6
                + f.offsetRounding(x, i, c);
        if (!(Math.abs(actual[at] - expected[at]) <= tol)) {
          fail("out[" + i + "][" + c + "] = " + actual[at] + ", expected " + expected[at]);
        }
      }
    }
    for (float c : emu.values(counters)) {
      assertEquals(0, Float.floatToRawIntBits(c), "split tickets are reset for the next launch");
    }
  }

  @ParameterizedTest(name = "{0} {1}-bit dequantize rows [{3}, {3}+{4}) of {2}")
  @CsvSource({"BF16, 4, 48, 16, 32", "F16, 8, 40, 0, 40", "BF16, 8, 32, 16, 9"})
  void dequantizeMatchesItsTwin(DType t, int bits, int rows, int row0, int count) throws Exception {
    SplittableRandom random = new SplittableRandom(rows + bits);
    QuantFixture f =
        new QuantFixture(
            random, bits, rows, 160, 32, true, t == DType.F16, QuantFixture.Kind.EXTREME_SCALES);
    HostEmulator emu = HostEmulator.of(QuantGemmKernels.Cuda.class, "KJ_QUANT");
    RecordingKernels<QuantGemmKernels.Cuda> rec = RecordingKernels.of(QuantGemmKernels.Cuda.class);
    int kp = f.geo.packedInputs();
    long dense = emu.buffer(t, new float[count * kp]);
    QuantGemm.dequantize(
        rec.kernels(),
        StreamRef.DEFAULT,
        f.geo,
        FakeTensors.at(t, dense),
        FakeTensors.at(DType.I32, emu.intBuffer(f.codeWords)),
        FakeTensors.at(DType.I32, emu.intBuffer(f.metaWords)),
        row0,
        count,
        kp);
    emu.run(rec.single());
    float[] expected = new float[count * kp];
    QuantGemmReference.dequantize(
        t, expected, 0, kp, f.geo, f.codeWords, 0, f.metaWords, 0, row0, count);
    float[] actual = emu.values(dense);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], "dense element " + i);
    }
  }
}
