package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.quant.QuantFixture;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CUDA quantized matmul against the reference backend on the same packed weight: the
 * mixed-input GEMM (every code width, dtype and row-count instantiation, the streaming one-row and
 * the few-row kernels (x in registers among them), planned and forced k splits, act-order gathers,
 * extreme scales, all-zero groups, sizes that are odd multiples of the tile and sizes that do not
 * fill one), the dequantize + cuBLAS path, the automatic choice, and a captured CUDA graph
 * replayed. Outputs are written into a NaN-poisoned wider tensor: every element must be written,
 * and the columns past the matrix must stay NaN.
 */
class QuantizedMatmulGpuTest extends CudaGpuTest {
  enum Path {
    GEMM,
    DENSE,
    AUTO,
    GRAPH
  }

  @ParameterizedTest(name = "{0} {1} {2}-bit {3}x{4} group {5} act-order {6} {7} m={8} splits {9}")
  @CsvSource({
    "GEMM, BF16, 4, 4096, 4096, 128, false, RANDOM, 1, 0",
    // One row of a wide 4-bit weight: the streaming kernel (QuantStreamSource), 1 and 2 row tiles
    // a block, a last block half empty, per-channel scales, extreme scales, zero groups.
    "GEMM, F16, 4, 14336, 4096, 128, true, RANDOM, 1, 0",
    "GEMM, BF16, 4, 6352, 1088, 64, false, EXTREME_SCALES, 1, 0",
    "GEMM, F16, 4, 3200, 4160, -1, false, ZERO_GROUPS, 1, 0",
    "GEMM, BF16, 4, 6144, 4096, 128, true, RANDOM, 16, 0",
    "GEMM, BF16, 4, 4096, 14336, 128, false, RANDOM, 8, 0",
    "GEMM, BF16, 4, 1000, 1088, 32, true, EXTREME_SCALES, 3, 0",
    // 2-32 rows of a 4-bit weight with enough row tiles or a long enough k: the few-row kernel
    // (QuantFewSource); 4112 rows are 129 blocks of two row tiles, the last one half past the
    // matrix, with k split 2 ways. Up to 16 rows unsplit it runs one row tile a block: 6144 rows
    // (at 8 rows in groups of 64 inputs, which the kernel with x in registers does not take), and
    // 2056 rows (groups of 64), whose last row tile is half empty.
    "GEMM, BF16, 4, 6144, 4096, 64, false, EXTREME_SCALES, 8, 0",
    "GEMM, F16, 4, 6144, 4096, 128, true, RANDOM, 16, 0",
    "GEMM, BF16, 4, 4112, 8192, 64, true, ZERO_GROUPS, 13, 0",
    "GEMM, F16, 4, 2056, 2048, 64, true, ZERO_GROUPS, 11, 0",
    "GRAPH, BF16, 4, 14336, 4096, 128, false, RANDOM, 16, 0",
    // 2-16 rows of a 4-bit weight whose k is one block of 2,048 inputs, or with no more row tiles
    // than SMs: the kernel with x in registers (QuantXRegSource). 16384 and 3080 rows (the last
    // row tile half empty) and 2048 x 2048 in one group in one k block; 2048 x 8192 in 4, 1544 x
    // 8960 in 5 (the last block with 12 of its 32 tiles, the last row tile half empty), and 64 x
    // 4096 (below) in 2.
    "GEMM, F16, 4, 16384, 2048, 128, false, RANDOM, 2, 0",
    "GRAPH, BF16, 4, 3080, 2048, 128, false, EXTREME_SCALES, 5, 0",
    "GEMM, BF16, 4, 2048, 8192, 128, true, ZERO_GROUPS, 16, 0",
    "GRAPH, F16, 4, 1544, 8960, 128, false, EXTREME_SCALES, 9, 0",
    "GEMM, F16, 4, 2048, 2048, -1, false, RANDOM, 12, 0",
    // 4-8 rows of any weight it fits that the kernel with x shared by the block does not take:
    // 6144 x 4096 (384 row tiles, k in 2 blocks) act-order, 4096 x 14336 (k in 7 blocks).
    "GEMM, F16, 4, 6144, 4096, 128, true, RANDOM, 8, 0",
    "GRAPH, BF16, 4, 4096, 14336, 128, false, EXTREME_SCALES, 4, 0",
    // 9-32 rows of a wide weight: the few-row kernel with x shared by the block
    // (QuantFewSharedXSource); 6160 rows are 25 blocks of 16 row tiles, the last holding one, k
    // split 5 ways on 132 SMs; 16400 rows: 65 blocks, split 4 ways. 14336 x 4096 at 16 and 20 rows
    // (below) takes it too.
    "GEMM, F16, 4, 6160, 4096, 128, true, ZERO_GROUPS, 29, 0",
    "GEMM, BF16, 4, 16400, 2048, 64, false, EXTREME_SCALES, 12, 0",
    // 2-8 rows of a weight with 0.8 blocks of 16 row tiles an SM or more take it as well: 28688
    // rows are 113 blocks, the last holding one row tile.
    "GEMM, BF16, 4, 28688, 4096, 128, true, EXTREME_SCALES, 8, 0",
    "GRAPH, F16, 4, 28672, 4096, 64, false, ZERO_GROUPS, 3, 0",
    // 17-32 rows: 3088 rows are 97 blocks, the last one half past the matrix.
    "GEMM, BF16, 4, 4096, 4096, 128, false, RANDOM, 32, 0",
    "GEMM, F16, 4, 3088, 2048, 128, true, ZERO_GROUPS, 27, 0",
    "GRAPH, BF16, 4, 14336, 4096, 64, false, EXTREME_SCALES, 20, 0",
    "GEMM, BF16, 4, 4112, 4160, 64, false, ZERO_GROUPS, 17, 0",
    "GEMM, BF16, 4, 528, 2048, -1, false, RANDOM, 32, 0",
    "GEMM, BF16, 4, 272, 1024, 128, true, RANDOM, 64, 0",
    // 33-63 rows of a weight the few-row kernels take: launches of 32 rows and the rest
    // (QuantGemmPlan.launchRows), on row views of x and out; act-order gathers all rows first.
    "GEMM, BF16, 4, 14336, 4096, 128, false, RANDOM, 48, 0",
    "AUTO, F16, 4, 6144, 4096, 128, true, ZERO_GROUPS, 63, 0",
    "GRAPH, BF16, 4, 4096, 4096, 128, false, EXTREME_SCALES, 33, 0",
    "GEMM, BF16, 4, 64, 4096, 128, false, RANDOM, 2, 0",
    "GEMM, BF16, 4, 256, 2048, 64, false, RANDOM, 9, 5",
    // One row of an 8-bit weight with enough row tiles streams (QuantStreamSource): bf16's exact
    // codes, f16's over 1024 (act-order, groups of one tile, two row tiles a block).
    "GEMM, BF16, 8, 4096, 4096, 128, false, RANDOM, 1, 0",
    "GEMM, F16, 8, 14336, 4096, 128, true, EXTREME_SCALES, 1, 0",
    "GRAPH, F16, 8, 4096, 14336, 32, false, ZERO_GROUPS, 1, 0",
    // 2-32 rows of an 8-bit weight through the few-row kernel (QuantFewSource): 192 blocks, 128
    // split 2 ways, 17-32 rows without a split; 48 rows as 32 and 16, act-order.
    "GEMM, F16, 8, 6144, 4096, 128, false, RANDOM, 8, 0",
    "GEMM, BF16, 8, 4096, 4096, 64, true, EXTREME_SCALES, 12, 0",
    "GRAPH, BF16, 8, 14336, 4096, 128, false, ZERO_GROUPS, 32, 0",
    "AUTO, F16, 8, 6144, 4096, 128, true, RANDOM, 48, 0",
    "GEMM, BF16, 8, 2064, 1024, 32, true, EXTREME_SCALES, 12, 0",
    "GEMM, F16, 4, 1000, 1088, 32, true, RANDOM, 3, 0",
    "GEMM, BF16, 8, 520, 4100, -1, false, ZERO_GROUPS, 40, 3",
    "DENSE, BF16, 4, 4096, 4096, 128, true, RANDOM, 130, 0",
    "DENSE, F16, 8, 1040, 1024, 64, false, RANDOM, 7, 0",
    "AUTO, BF16, 4, 1024, 2048, 128, false, RANDOM, 100, 0",
    "AUTO, BF16, 4, 1024, 2048, 32, true, RANDOM, 300, 0",
    "GRAPH, BF16, 4, 96, 4096, 128, true, RANDOM, 4, 6",
    "GRAPH, BF16, 4, 4096, 4096, 128, true, RANDOM, 1, 0"
  })
  void matchesTheReference(
      Path path,
      DType t,
      int bits,
      int rows,
      int inputs,
      int groupSize,
      boolean actOrder,
      QuantFixture.Kind kind,
      int m,
      int splits) {
    SplittableRandom random = new SplittableRandom(rows * 131L + inputs * 7L + m);
    QuantFixture f =
        new QuantFixture(random, bits, rows, inputs, groupSize, actOrder, rows % 3 == 1, kind);
    float[] xs = new float[m * inputs];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = DTypes.round(t, (float) random.nextDouble(-2, 2));
    }
    Tensor hostX = Tensor.fromFloats(t, xs, m, inputs);
    Tensor expected = Tensor.zeros(t, m, rows);
    QuantizedMatrix hostW = f.on(reference);
    reference.quantizedMatmul(expected, hostX, hostW);

    QuantizedMatrix w = f.on(cuda);
    try (Tensor x = cuda.upload(hostX);
        Tensor wide = poisoned(t, m, rows + 3)) {
      Tensor out = wide.slice(1, 0, rows);
      switch (path) {
        case GEMM -> cuda.quantized().runGemm(out, x, w, splits);
        case DENSE -> cuda.quantized().runDense(out, x, w);
        case AUTO -> cuda.quantizedMatmul(out, x, w);
        case GRAPH -> {
          // An eager run sizes the scratch; capture only records what the step queues.
          cuda.quantized().runGemm(out, x, w, splits);
          try (CapturedGraph graph =
              cuda.port().captureGraph(() -> cuda.quantized().runGemm(out, x, w, splits))) {
            for (int replay = 0; replay < 3; replay++) {
              cuda.fill(wide, Float.NaN);
              graph.replay();
              compare(path + " replay " + replay, t, f, xs, m, expected, cuda.toHost(wide));
            }
          }
          return;
        }
        default -> throw new IllegalStateException();
      }
      compare(path.toString(), t, f, xs, m, expected, cuda.toHost(wide));
    } finally {
      w.close();
    }
  }

  private static void compare(
      String what, DType t, QuantFixture f, float[] xs, int m, Tensor expected, Tensor wide) {
    int rows = f.rows;
    double magnitude = f.magnitude(xs, m);
    // The GEMM forms the reference's sums in f32: a rounding of the output at most, plus f32
    // noise (4-bit: at the size of the offset sums, QuantFixture.offsetRounding). The dense path
    // rounds every weight to t first: bf16/f16 noise on the whole sum.
    boolean dense = what.startsWith("DENSE") || what.startsWith("AUTO");
    double relative = dense ? 8e-3 : 5e-5;
    for (int i = 0; i < m; i++) {
      for (int c = 0; c < rows + 3; c++) {
        float got = wide.getFloat(i, c);
        if (c >= rows) {
          assertTrue(Float.isNaN(got), what + ": column " + c + " past the matrix was written");
          continue;
        }
        float want = expected.getFloat(i, c);
        if (Float.isInfinite(want)) {
          // f16 outputs of extreme scales can overflow: the same infinity, or wrong.
          assertEquals(want, got, what + ": out[" + i + "][" + c + "]");
          continue;
        }
        // One unit in the last place of t: f32's times 2^16 (bf16) or 2^13 (f16).
        double ulp = Math.ulp(Math.abs(want)) * (t == DType.BF16 ? 65536 : 8192);
        double tol = 2 * ulp + relative * magnitude + (dense ? 0 : f.offsetRounding(xs, i, c));
        if (!(Math.abs(got - want) <= tol)) {
          fail(
              what
                  + ": out["
                  + i
                  + "]["
                  + c
                  + "] = "
                  + got
                  + ", expected "
                  + want
                  + " (tolerance "
                  + tol
                  + ")");
        }
      }
    }
  }
}
