package dev.kernelj.ops.kernels;

import static dev.kernelj.ops.kernels.LaunchMath.cptr;
import static dev.kernelj.ops.kernels.LaunchMath.ptr;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;

/**
 * LayerNorm over the last dim: {@code out = (x - mean) / sqrt(var + eps) * weight + bias}, with the
 * biased variance taken around the mean in a second pass (no E[x^2] - E[x]^2 cancellation). One
 * block per row; f32 math; one rounding to the dtype.
 */
public final class LayerNorm {
  private LayerNorm() {}

  @Kernel(
      source =
          CudaPrelude.PRELUDE
              + """
      template <typename T>
      __device__ __forceinline__ void layernorm_row(T* out, const T* x, const T* w, const T* b, int cols,
                                                    long long ldx, long long ldo, float eps) {
        const long long row = blockIdx.x;
        const T* xr = x + row * ldx;
        T* o = out + row * ldo;
        float s = 0.f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) s += kj::to_f32(xr[c]);
        const float mean = kj::block_sum(s) / (float)cols;
        float q = 0.f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) { const float d = kj::to_f32(xr[c]) - mean; q += d * d; }
        const float rstd = rsqrtf(kj::block_sum(q) / (float)cols + eps);
        /* out may alias x: the barriers inside block_sum order every read of x before these writes. */
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
          const float n = (kj::to_f32(xr[c]) - mean) * rstd;
          o[c] = kj::from_f32<T>(__fadd_rn(__fmul_rn(n, kj::to_f32(w[c])), kj::to_f32(b[c])));
        }
      }

      extern "C" __global__ void kj_layernorm_f32(float* out, const float* x, const float* w, const float* b, int cols, long long ldx, long long ldo, float eps) { layernorm_row<float>(out, x, w, b, cols, ldx, ldo, eps); }
      extern "C" __global__ void kj_layernorm_f16(__half* out, const __half* x, const __half* w, const __half* b, int cols, long long ldx, long long ldo, float eps) { layernorm_row<__half>(out, x, w, b, cols, ldx, ldo, eps); }
      extern "C" __global__ void kj_layernorm_bf16(__nv_bfloat16* out, const __nv_bfloat16* x, const __nv_bfloat16* w, const __nv_bfloat16* b, int cols, long long ldx, long long ldo, float eps) { layernorm_row<__nv_bfloat16>(out, x, w, b, cols, ldx, ldo, eps); }
      """)
  public interface Cuda {
    void kj_layernorm_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> x,
        ConstPtr<F32> w,
        ConstPtr<F32> b,
        int cols,
        long ldx,
        long ldo,
        float eps);

    void kj_layernorm_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        ConstPtr<F16> b,
        int cols,
        long ldx,
        long ldo,
        float eps);

    void kj_layernorm_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        ConstPtr<BF16> b,
        int cols,
        long ldx,
        long ldo,
        float eps);
  }

  public static void layerNorm(
      Cuda k,
      StreamRef stream,
      DType t,
      long out,
      long x,
      long w,
      long b,
      int rows,
      int cols,
      long ldx,
      long ldo,
      float eps) {
    LaunchMath.requireFloating("layerNorm", "x", t);
    LaunchMath.requireNonNegative("layerNorm", "rows", rows);
    LaunchMath.requireNonNegative("layerNorm", "cols", cols);
    LaunchMath.requireAddress("layerNorm", "out", out, t);
    LaunchMath.requireAddress("layerNorm", "x", x, t);
    LaunchMath.requireAddress("layerNorm", "weight", w, t);
    LaunchMath.requireAddress("layerNorm", "bias", b, t);
    if (rows == 0 || cols == 0) {
      return;
    }
    // Scalar loads: a block of up to 1024 threads, one element each per step.
    Launch l =
        Launch.grid(rows)
            .block((int) Math.min(1024, Math.max(32, (cols + 31L) / 32 * 32)))
            .on(stream);
    switch (t) {
      case F32 ->
          k.kj_layernorm_f32(
              l,
              ptr(out, F32.class),
              cptr(x, F32.class),
              cptr(w, F32.class),
              cptr(b, F32.class),
              cols,
              ldx,
              ldo,
              eps);
      case F16 ->
          k.kj_layernorm_f16(
              l,
              ptr(out, F16.class),
              cptr(x, F16.class),
              cptr(w, F16.class),
              cptr(b, F16.class),
              cols,
              ldx,
              ldo,
              eps);
      default ->
          k.kj_layernorm_bf16(
              l,
              ptr(out, BF16.class),
              cptr(x, BF16.class),
              cptr(w, BF16.class),
              cptr(b, BF16.class),
              cols,
              ldx,
              ldo,
              eps);
    }
  }

  /**
   * Reference twin: mean and variance in f64, the normalised value and affine step in f32, one
   * rounding.
   */
  public static void layerNormReference(
      DType t,
      float[] out,
      int outOff,
      int ldo,
      float[] x,
      int xOff,
      int ldx,
      float[] w,
      int wOff,
      float[] b,
      int bOff,
      int rows,
      int cols,
      float eps) {
    float[] v = new float[cols];
    for (int r = 0; r < rows; r++) {
      double s = 0;
      for (int c = 0; c < cols; c++) {
        v[c] = x[xOff + r * ldx + c];
        s += v[c];
      }
      float mean = (float) (s / cols);
      double q = 0;
      for (int c = 0; c < cols; c++) {
        double d = v[c] - mean;
        q += d * d;
      }
      float rstd = (float) (1.0 / Math.sqrt((float) (q / cols) + eps));
      for (int c = 0; c < cols; c++) {
        float n = (v[c] - mean) * rstd;
        out[outOff + r * ldo + c] = DTypes.round(t, n * w[wOff + c] + b[bOff + c]);
      }
    }
  }
}
