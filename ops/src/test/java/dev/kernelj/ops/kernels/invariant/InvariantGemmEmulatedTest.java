package dev.kernelj.ops.kernels.invariant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.kernels.FakeTensors;
import dev.kernelj.ops.kernels.HostEmulator;
import dev.kernelj.ops.kernels.RecordingKernels;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The batch-invariant GEMM's CUDA C run on the CPU by the {@link HostEmulator} (software {@code
 * mma.sync}, plain shared loads in place of {@code ldmatrix}), launched exactly as {@link
 * InvariantGemm} launches it: results against a float64 product of the same rounded inputs, no
 * write outside the output, and — the point of the kernel — every row with the same bits whether it
 * came alone, in a few-row tile (k unsplit), the 16-row tile, the 64-row tile or the 128-row tile,
 * at any split of k.
 */
class InvariantGemmEmulatedTest {
  @BeforeEach
  void requireCompiler() {
    String why = HostEmulator.unavailableReason();
    assumeTrue(why == null, () -> "host emulation skipped: " + why);
  }

  /** Rows of x for the one-call-of-all-rows run; it takes the 128-row tile. */
  private static final int ALL_ROWS = 70;

  @ParameterizedTest(name = "{0} x {1} out, n {2}, k {3}, {4} k ranges")
  @CsvSource({
    "BF16, BF16, 100, 192, 1",
    "BF16, F32, 72, 256, 3",
    "F16, F16, 130, 128, 2",
    "F16, F32, 40, 320, 5"
  })
  void rowsKeepTheirBitsAtEveryRowCountAndMatchFloat64(
      DType t, DType outType, int n, int k, int splits) throws Exception {
    SplittableRandom random = new SplittableRandom(n * 31L + k + splits);
    float[] x = randoms(random, ALL_ROWS * k, t, 1f);
    float[] w = randoms(random, n * k, t, 0.25f);
    int ldo = n + 3;

    float[] all = run(t, outType, x, ALL_ROWS, w, n, k, ldo, splits);
    for (int r = 0; r < ALL_ROWS; r++) {
      for (int c = 0; c < ldo; c++) {
        float got = all[r * ldo + c];
        if (c >= n) {
          assertTrue(Float.isNaN(got), "out[" + r + "][" + c + "] past the matrix was written");
          continue;
        }
        double exact = 0;
        double magnitude = 0;
        for (int i = 0; i < k; i++) {
          exact += (double) x[r * k + i] * w[c * k + i];
          magnitude += Math.abs((double) x[r * k + i] * w[c * k + i]);
        }
        double tol = ulp(outType, exact) + 1e-6 * magnitude;
        if (!(Math.abs(got - exact) <= tol)) {
          fail(
              "out["
                  + r
                  + "]["
                  + c
                  + "] = "
                  + got
                  + ", float64 "
                  + exact
                  + " (tolerance "
                  + tol
                  + ")");
        }
      }
    }

    // The same rows in calls of 1 and 5 rows (the 8-row few-row tile with k unsplit, else the
    // 16-row
    // tile), 12 rows (the 16-row few-row tile), 17 rows (the 64-row tile) and alone at the end.
    for (int rows : new int[] {1, 5, 12, 17}) {
      float[] part = run(t, outType, Arrays.copyOf(x, rows * k), rows, w, n, k, ldo, splits);
      for (int r = 0; r < rows; r++) {
        assertSameBits(all, r, part, r, n, ldo, "row " + r + " of " + rows + " vs of " + ALL_ROWS);
      }
    }
    int last = ALL_ROWS - 1;
    float[] alone =
        run(t, outType, Arrays.copyOfRange(x, last * k, ALL_ROWS * k), 1, w, n, k, ldo, splits);
    assertSameBits(all, last, alone, 0, n, ldo, "row " + last + " alone");
  }

  private static float[] run(
      DType t, DType outType, float[] x, int m, float[] w, int n, int k, int ldo, int splits)
      throws Exception {
    HostEmulator emu = HostEmulator.of(InvariantGemmKernels.Cuda.class, "KJ_IGEMM");
    RecordingKernels<InvariantGemmKernels.Cuda> rec =
        RecordingKernels.of(InvariantGemmKernels.Cuda.class);
    long dx = emu.buffer(t, x);
    long dw = emu.buffer(t, w);
    float[] poisoned = new float[m * ldo];
    Arrays.fill(poisoned, Float.NaN);
    long dout = emu.buffer(outType, poisoned);
    long partials =
        emu.buffer(
            DType.F32, new float[(int) Math.max(1, InvariantGemm.partialFloats(m, n, splits))]);
    InvariantGemm.run(
        rec.kernels(),
        StreamRef.DEFAULT,
        FakeTensors.at(outType, dout),
        FakeTensors.at(t, dx),
        FakeTensors.at(t, dw),
        FakeTensors.at(DType.F32, partials),
        m,
        n,
        k,
        k,
        k,
        ldo,
        splits);
    assertEquals(
        splits > 1 ? 2 : 1, rec.calls().size(), "a reduction launch exactly when k is split");
    for (RecordingKernels.Call call : rec.calls()) {
      emu.run(call);
    }
    return emu.values(dout);
  }

  private static void assertSameBits(
      float[] a, int rowA, float[] b, int rowB, int n, int ldo, String what) {
    for (int c = 0; c < n; c++) {
      int bitsA = Float.floatToRawIntBits(a[rowA * ldo + c]);
      int bitsB = Float.floatToRawIntBits(b[rowB * ldo + c]);
      if (bitsA != bitsB) {
        fail(what + ": column " + c + " is " + b[rowB * ldo + c] + ", not " + a[rowA * ldo + c]);
      }
    }
  }

  private static float[] randoms(SplittableRandom random, int count, DType t, float scale) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = DTypes.round(t, (float) (random.nextDouble(-1, 1) * scale));
    }
    return v;
  }

  /** One unit in the last place of the output type at {@code value}. */
  private static double ulp(DType outType, double value) {
    double v = Math.max(Math.abs(value), 1e-30);
    int e = Math.getExponent(v);
    return switch (outType) {
      case BF16 -> Math.scalb(1.0, e - 7);
      case F16 -> Math.scalb(1.0, Math.max(e, -14) - 10);
      default -> Math.ulp((float) v);
    };
  }
}
