package dev.kernelj.samples;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.F32;
import dev.kernelj.runtime.blas.Blas;
import dev.kernelj.runtime.blas.Transpose;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.DeviceBuffer;
import java.io.PrintStream;
import java.util.Random;

/**
 * Sample 07: a bf16 matrix product through cuBLAS with f32 accumulation, row-major as Java code
 * usually lays matrices out: C[M×N] = A[M×K] · W[N×K]ᵀ, the shape of a linear layer.
 */
final class Sample07CublasGemm implements Sample {
  @Override
  public String title() {
    return "07 cuBLAS bf16 GEMM";
  }

  @Override
  public boolean run(CudaContext context, PrintStream out) {
    int m = 64;
    int n = 320;
    int k = 200;
    Random rng = new Random(7);
    short[] a = toBf16(Check.random(rng, m * k));
    short[] w = toBf16(Check.random(rng, n * k));
    try (Blas blas = Blas.create(context);
        DeviceBuffer<BF16> da = context.allocate(BF16.class, (long) m * k);
        DeviceBuffer<BF16> dw = context.allocate(BF16.class, (long) n * k);
        DeviceBuffer<F32> dc = context.allocate(F32.class, (long) m * n)) {
      da.copyFrom(a);
      dw.copyFrom(w);
      blas.gemmRowMajor(Transpose.N, Transpose.T, m, n, k, 1f, da, k, dw, k, 0f, dc, n);

      double[] want = new double[m * n];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double acc = 0;
          for (int p = 0; p < k; p++) {
            acc += (double) fromBf16(a[i * k + p]) * fromBf16(w[j * k + p]);
          }
          want[i * n + j] = acc;
        }
      }
      // Inputs are exact bf16 values and accumulation is f32: only f32 rounding separates the two.
      return Check.report(
          out,
          m + "x" + k + " · (" + n + "x" + k + ")ᵀ",
          Check.maxRelativeError(dc.toFloatArray(), want),
          1e-4);
    }
  }

  private static short[] toBf16(float[] values) {
    short[] out = new short[values.length];
    for (int i = 0; i < values.length; i++) {
      int bits = Float.floatToRawIntBits(values[i]);
      bits += 0x7FFF + ((bits >>> 16) & 1); // round to nearest even
      out[i] = (short) (bits >>> 16);
    }
    return out;
  }

  private static float fromBf16(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }
}
