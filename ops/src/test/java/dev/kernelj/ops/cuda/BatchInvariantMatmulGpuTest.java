package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.Tensor;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * In batch-invariant mode a row of {@code x · wᵀ} has the same bits at every row count, whatever
 * the other rows hold, and is right against an f64 product. The shapes are Llama-3-8B's (qkv, o,
 * gate|up, down) and Llama-3.2-1B's projections, where the default path differs between row counts
 * (on an H200: o and down at every count from 1 to 2048 against M = 256; the GEMV below 9 rows
 * against cuBLAS above), plus an odd shape whose k is no multiple of 8 (rows aligned to 4 bytes),
 * f32 outputs (logits) and f32 activations (cast to the weight's dtype first).
 */
class BatchInvariantMatmulGpuTest extends InvariantGpuTest {
  private static final int[] ROW_COUNTS = {
    1, 2, 3, 7, 8, 9, 16, 17, 33, 64, 127, 128, 129, 256, 512
  };

  @ParameterizedTest(name = "w {0}x{1}, x {2}, out {3}")
  @CsvSource({
    "6144, 4096, BF16, BF16",
    "4096, 4096, BF16, BF16",
    "28672, 4096, BF16, BF16",
    "4096, 14336, BF16, BF16",
    "2048, 2048, BF16, BF16",
    "3072, 2048, BF16, BF16",
    "2048, 8192, BF16, BF16",
    "16384, 2048, BF16, BF16",
    "1000, 1234, BF16, BF16",
    "1000, 1216, BF16, BF16", // 19 granules: the few-row tiles' last 128-input block is half full
    "4096, 14336, BF16, F32",
    "1000, 1234, BF16, F32",
    "4096, 4096, F32, BF16"
  })
  void aRowHasTheSameBitsAtEveryRowCount(int n, int k, DType xType, DType outType) {
    Random random = new Random(n * 131L + k);
    float[] w = uniform(random, DType.BF16, n * k);
    float[] probe = uniform(random, xType, k);
    try (Tensor dw = cuda.upload(Tensor.fromFloats(DType.BF16, w, n, k))) {
      float[] alone = product(dw, xType, outType, probe, 1, 0, random, k, n);
      assertCloseToF64(alone, probe, w, n, k, outType);
      for (int m : ROW_COUNTS) {
        int row = (int) ((m * 5L) / 7); // somewhere inside, not only the first row
        float[] inBatch = product(dw, xType, outType, probe, m, row, random, k, n);
        assertSameBits(alone, inBatch, "row " + row + " of " + m + " rows, w " + n + "x" + k);
      }
    }
  }

  /** Row {@code row} of an {@code m}-row product whose other rows are random. */
  private static float[] product(
      Tensor w, DType xType, DType outType, float[] probe, int m, int row, Random r, int k, int n) {
    float[] x = uniform(r, xType, m * k);
    System.arraycopy(probe, 0, x, row * k, k);
    try (Tensor dx = cuda.upload(Tensor.fromFloats(xType, x, m, k));
        Tensor out = cuda.empty(outType, m, n)) {
      cuda.fill(out, Float.NaN);
      cuda.matmul(out, dx, w);
      return rowOf(out, row);
    }
  }

  /**
   * Within what one rounding of the output and f32 accumulation allow: x is rounded to bf16 first
   * (the op's semantics), products are exact, sums are f32.
   */
  private static void assertCloseToF64(
      float[] got, float[] x, float[] w, int n, int k, DType outType) {
    double outUlp = outType == DType.F32 ? 0x1p-23 : 0x1p-8;
    for (int j = 0; j < n; j++) {
      double sum = 0, magnitude = 0;
      for (int i = 0; i < k; i++) {
        double p = (double) DTypes.round(DType.BF16, x[i]) * w[j * k + i];
        sum += p;
        magnitude += Math.abs(p);
      }
      double tolerance = outUlp * Math.abs(sum) + 1e-5 * magnitude + 1e-30;
      double error = Math.abs(got[j] - sum);
      assertTrue(
          error <= tolerance,
          "column " + j + ": " + got[j] + " against f64 " + sum + " (tolerance " + tolerance + ")");
    }
  }
}
