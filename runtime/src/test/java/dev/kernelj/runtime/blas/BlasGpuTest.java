package dev.kernelj.runtime.blas;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.runtime.cuda.Cuda;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.DeviceBuffer;
import dev.kernelj.runtime.nativelib.NativeLibraries;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** cuBLAS and cuBLASLt GEMMs, row-major, against a Java double reference. */
@Tag("gpu")
class BlasGpuTest {
  static final int M = 64;
  static final int N = 48;
  static final int K = 96;
  static CudaContext ctx;

  @BeforeAll
  static void open() {
    String reason = Cuda.unavailableReason();
    assumeTrue(reason == null, () -> "GPU test skipped: " + reason);
    assumeTrue(
        NativeLibraries.isAvailable(NativeLibraries.CUBLASLT)
            && NativeLibraries.isAvailable(NativeLibraries.CUBLAS),
        "cuBLAS/cuBLASLt not found");
    ctx = Cuda.context(0);
  }

  @AfterAll
  static void close() {
    if (ctx != null) {
      ctx.close();
    }
  }

  static short bf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    return (short) ((bits + ((bits >>> 16) & 1) + 0x7FFF) >>> 16);
  }

  static float fromBf16(short b) {
    return Float.intBitsToFloat((b & 0xFFFF) << 16);
  }

  /** Row-major A (M×K) and W (N×K, as a Linear layer stores it); C = A·Wᵀ in double. */
  static double[] reference(float[] a, float[] w) {
    double[] c = new double[M * N];
    for (int i = 0; i < M; i++) {
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int k = 0; k < K; k++) {
          s += (double) a[i * K + k] * w[j * K + k];
        }
        c[i * N + j] = s;
      }
    }
    return c;
  }

  static float[] random(int n, long seed, boolean roundToBf16) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      float v = (float) r.nextGaussian();
      x[i] = roundToBf16 ? fromBf16(bf16(v)) : v;
    }
    return x;
  }

  static void assertClose(double[] want, float[] got, double relTol, String what) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < want.length; i++) {
      num += (want[i] - got[i]) * (want[i] - got[i]);
      den += want[i] * want[i];
    }
    double rel = Math.sqrt(num / den);
    System.out.println(what + ": relative error " + rel);
    assertTrue(rel < relTol, what + ": relative error " + rel + " >= " + relTol);
  }

  static short[] toBf16(float[] x) {
    short[] s = new short[x.length];
    for (int i = 0; i < x.length; i++) {
      s[i] = bf16(x[i]);
    }
    return s;
  }

  static float[] fromBf16(short[] s) {
    float[] f = new float[s.length];
    for (int i = 0; i < s.length; i++) {
      f[i] = fromBf16(s[i]);
    }
    return f;
  }

  @Test
  void gemmExBf16RowMajorMatchesReference() {
    float[] a = random(M * K, 1, true);
    float[] w = random(N * K, 2, true);
    try (Blas blas = Blas.create(ctx);
        DeviceBuffer<BF16> da = ctx.allocate(BF16.class, M * K);
        DeviceBuffer<BF16> dw = ctx.allocate(BF16.class, N * K);
        DeviceBuffer<BF16> dc = ctx.allocate(BF16.class, M * N)) {
      da.copyFrom(toBf16(a));
      dw.copyFrom(toBf16(w));
      dc.fillBytes((byte) 0xFF, null); // NaN poison (0xFFFF is a bf16 NaN)
      blas.gemmRowMajor(Transpose.N, Transpose.T, M, N, K, 1f, da, K, dw, K, 0f, dc, N);
      short[] c = new short[M * N];
      dc.copyTo(c);
      assertClose(reference(a, w), fromBf16(c), 1e-2, "cublasGemmEx bf16");
    }
  }

  @Test
  void gemmExF32RowMajorMatchesReference() {
    float[] a = random(M * K, 3, false);
    float[] w = random(N * K, 4, false);
    try (Blas blas = Blas.create(ctx);
        DeviceBuffer<F32> da = ctx.allocate(F32.class, M * K);
        DeviceBuffer<F32> dw = ctx.allocate(F32.class, N * K);
        DeviceBuffer<F32> dc = ctx.allocate(F32.class, M * N)) {
      da.copyFrom(a);
      dw.copyFrom(w);
      dc.fill(Float.NaN, null);
      blas.setStream(StreamRef.DEFAULT);
      blas.gemmRowMajor(Transpose.N, Transpose.T, M, N, K, 1f, da, K, dw, K, 0f, dc, N);
      assertClose(reference(a, w), dc.toFloatArray(), 1e-5, "cublasGemmEx f32");
    }
  }

  @Test
  void ltBf16RowMajorMatchesReferenceAndReusesItsPlan() {
    float[] a = random(M * K, 5, true);
    float[] w = random(N * K, 6, true);
    try (BlasLt lt = BlasLt.create(ctx);
        DeviceBuffer<BF16> da = ctx.allocate(BF16.class, M * K);
        DeviceBuffer<BF16> dw = ctx.allocate(BF16.class, N * K);
        DeviceBuffer<BF16> dc = ctx.allocate(BF16.class, M * N)) {
      da.copyFrom(toBf16(a));
      dw.copyFrom(toBf16(w));
      for (int round = 0; round < 2; round++) {
        dc.fillBytes((byte) 0xFF, null);
        lt.matmulRowMajor(
            Transpose.N, Transpose.T, M, N, K, 1f, da, K, dw, K, 0f, dc, N, StreamRef.DEFAULT);
        ctx.synchronize();
        short[] c = new short[M * N];
        dc.copyTo(c);
        assertClose(reference(a, w), fromBf16(c), 1e-2, "cublasLtMatmul bf16 round " + round);
      }
    }
  }
}
