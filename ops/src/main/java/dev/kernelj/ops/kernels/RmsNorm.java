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
 * RMSNorm over the last dim: {@code out = x / sqrt(mean(x^2) + eps) * weight}, in f32, rounded once
 * to the dtype. The fused form first does the residual add of a transformer block,
 * {@code residual = round(residual + x)}, stores it, and normalises the stored (rounded) value, so
 * the fused op equals an add followed by a norm. One block per row; rows may be strided.
 */
public final class RmsNorm {
  private RmsNorm() {}

  @Kernel(source = CudaPrelude.PRELUDE + """
      template <typename T, bool FUSED>
      __device__ __forceinline__ void rmsnorm_row(T* out, T* residual, const T* x, const T* w, int cols,
                                                  long long ldx, long long ldr, long long ldo, float eps) {
        const long long row = blockIdx.x;
        const T* xr = x + row * ldx;
        T* rr = FUSED ? residual + row * ldr : nullptr;
        T* o = out + row * ldo;
        const bool vec = cols % 8 == 0 && kj::aligned16(xr) && kj::aligned16(o) && kj::aligned16(w) && (!FUSED || kj::aligned16(rr));
        float ss = 0.f;
        if (vec) {
          for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
            float v[8];
            kj::load8(xr + c, v);
            if (FUSED) {
              float r[8];
              kj::load8(rr + c, r);
      #pragma unroll
              for (int e = 0; e < 8; ++e) v[e] = kj::round_as<T>(r[e] + v[e]);
              kj::store8(rr + c, v);
            }
      #pragma unroll
            for (int e = 0; e < 8; ++e) ss += v[e] * v[e];
          }
        } else {
          for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float v = kj::to_f32(xr[c]);
            if (FUSED) {
              v = kj::round_as<T>(kj::to_f32(rr[c]) + v);
              rr[c] = kj::from_f32<T>(v);
            }
            ss += v * v;
          }
        }
        const float inv = rsqrtf(kj::block_sum(ss) / (float)cols + eps);
        /* Each thread re-reads only the elements it wrote above, so no barrier is needed here. */
        const T* src = FUSED ? rr : xr;
        if (vec) {
          for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
            float v[8], g[8];
            kj::load8(src + c, v);
            kj::load8(w + c, g);
      #pragma unroll
            for (int e = 0; e < 8; ++e) v[e] = v[e] * inv * g[e];
            kj::store8(o + c, v);
          }
        } else {
          for (int c = threadIdx.x; c < cols; c += blockDim.x) o[c] = kj::from_f32<T>(kj::to_f32(src[c]) * inv * kj::to_f32(w[c]));
        }
      }

      extern "C" __global__ void kj_rmsnorm_f32(float* out, const float* x, const float* w, int cols, long long ldx, long long ldo, float eps) { rmsnorm_row<float, false>(out, nullptr, x, w, cols, ldx, 0, ldo, eps); }
      extern "C" __global__ void kj_rmsnorm_f16(__half* out, const __half* x, const __half* w, int cols, long long ldx, long long ldo, float eps) { rmsnorm_row<__half, false>(out, nullptr, x, w, cols, ldx, 0, ldo, eps); }
      extern "C" __global__ void kj_rmsnorm_bf16(__nv_bfloat16* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int cols, long long ldx, long long ldo, float eps) { rmsnorm_row<__nv_bfloat16, false>(out, nullptr, x, w, cols, ldx, 0, ldo, eps); }
      extern "C" __global__ void kj_rmsnorm_residual_f32(float* out, float* residual, const float* x, const float* w, int cols, long long ldx, long long ldr, long long ldo, float eps) { rmsnorm_row<float, true>(out, residual, x, w, cols, ldx, ldr, ldo, eps); }
      extern "C" __global__ void kj_rmsnorm_residual_f16(__half* out, __half* residual, const __half* x, const __half* w, int cols, long long ldx, long long ldr, long long ldo, float eps) { rmsnorm_row<__half, true>(out, residual, x, w, cols, ldx, ldr, ldo, eps); }
      extern "C" __global__ void kj_rmsnorm_residual_bf16(__nv_bfloat16* out, __nv_bfloat16* residual, const __nv_bfloat16* x, const __nv_bfloat16* w, int cols, long long ldx, long long ldr, long long ldo, float eps) { rmsnorm_row<__nv_bfloat16, true>(out, residual, x, w, cols, ldx, ldr, ldo, eps); }
      """)
  public interface Cuda {
    void kj_rmsnorm_f32(Launch l, Ptr<F32> out, ConstPtr<F32> x, ConstPtr<F32> w, int cols, long ldx, long ldo, float eps);
    void kj_rmsnorm_f16(Launch l, Ptr<F16> out, ConstPtr<F16> x, ConstPtr<F16> w, int cols, long ldx, long ldo, float eps);
    void kj_rmsnorm_bf16(Launch l, Ptr<BF16> out, ConstPtr<BF16> x, ConstPtr<BF16> w, int cols, long ldx, long ldo, float eps);
    void kj_rmsnorm_residual_f32(Launch l, Ptr<F32> out, Ptr<F32> residual, ConstPtr<F32> x, ConstPtr<F32> w, int cols, long ldx, long ldr, long ldo, float eps);
    void kj_rmsnorm_residual_f16(Launch l, Ptr<F16> out, Ptr<F16> residual, ConstPtr<F16> x, ConstPtr<F16> w, int cols, long ldx, long ldr, long ldo, float eps);
    void kj_rmsnorm_residual_bf16(Launch l, Ptr<BF16> out, Ptr<BF16> residual, ConstPtr<BF16> x, ConstPtr<BF16> w, int cols, long ldx, long ldr, long ldo, float eps);
  }

  /** {@code rows} rows of {@code cols}; x, out rows {@code ldx}, {@code ldo} elements apart. */
  public static void rmsNorm(Cuda k, StreamRef stream, DType t, long out, long x, long w, int rows, int cols, long ldx, long ldo, float eps) {
    check(t, out, x, w, rows, cols);
    if (rows == 0 || cols == 0) {
      return;
    }
    Launch l = LaunchMath.perRow(rows, cols, stream);
    switch (t) {
      case F32 -> k.kj_rmsnorm_f32(l, ptr(out, F32.class), cptr(x, F32.class), cptr(w, F32.class), cols, ldx, ldo, eps);
      case F16 -> k.kj_rmsnorm_f16(l, ptr(out, F16.class), cptr(x, F16.class), cptr(w, F16.class), cols, ldx, ldo, eps);
      default -> k.kj_rmsnorm_bf16(l, ptr(out, BF16.class), cptr(x, BF16.class), cptr(w, BF16.class), cols, ldx, ldo, eps);
    }
  }

  /** The fused form: {@code residual = residual + x; out = rmsnorm(residual) * w}. */
  public static void rmsNormResidual(Cuda k, StreamRef stream, DType t, long out, long residual, long x, long w,
      int rows, int cols, long ldx, long ldr, long ldo, float eps) {
    check(t, out, x, w, rows, cols);
    LaunchMath.requireAddress("rmsNormResidual", "residual", residual, t);
    if (rows == 0 || cols == 0) {
      return;
    }
    Launch l = LaunchMath.perRow(rows, cols, stream);
    switch (t) {
      case F32 -> k.kj_rmsnorm_residual_f32(l, ptr(out, F32.class), ptr(residual, F32.class), cptr(x, F32.class), cptr(w, F32.class), cols, ldx, ldr, ldo, eps);
      case F16 -> k.kj_rmsnorm_residual_f16(l, ptr(out, F16.class), ptr(residual, F16.class), cptr(x, F16.class), cptr(w, F16.class), cols, ldx, ldr, ldo, eps);
      default -> k.kj_rmsnorm_residual_bf16(l, ptr(out, BF16.class), ptr(residual, BF16.class), cptr(x, BF16.class), cptr(w, BF16.class), cols, ldx, ldr, ldo, eps);
    }
  }

  private static void check(DType t, long out, long x, long w, int rows, int cols) {
    LaunchMath.requireFloating("rmsNorm", "x", t);
    LaunchMath.requireNonNegative("rmsNorm", "rows", rows);
    LaunchMath.requireNonNegative("rmsNorm", "cols", cols);
    LaunchMath.requireAddress("rmsNorm", "out", out, t);
    LaunchMath.requireAddress("rmsNorm", "x", x, t);
    LaunchMath.requireAddress("rmsNorm", "weight", w, t);
  }

  /**
   * Reference twin of both forms ({@code residual == null}: plain). Sum of squares in f64; the
   * normalised value is formed in f32 as the kernel does, then rounded once to {@code t}.
   */
  public static void rmsNormReference(DType t, float[] out, int outOff, int ldo, float[] residual, int resOff, int ldr,
      float[] x, int xOff, int ldx, float[] w, int wOff, int rows, int cols, float eps) {
    float[] v = new float[cols];
    for (int r = 0; r < rows; r++) {
      double ss = 0;
      for (int c = 0; c < cols; c++) {
        float value = x[xOff + r * ldx + c];
        if (residual != null) {
          value = DTypes.round(t, residual[resOff + r * ldr + c] + value);
          residual[resOff + r * ldr + c] = value;
        }
        v[c] = value;
        ss += (double) value * value;
      }
      float inv = (float) (1.0 / Math.sqrt((float) (ss / cols) + eps));
      for (int c = 0; c < cols; c++) {
        out[outOff + r * ldo + c] = DTypes.round(t, v[c] * inv * w[wOff + c]);
      }
    }
  }
}
