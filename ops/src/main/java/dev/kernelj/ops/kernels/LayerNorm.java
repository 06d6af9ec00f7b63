package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.Tensor;

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

      template <typename T>
      __global__ void kj_layernorm(T* out, const T* x, const T* w, const T* b, int cols, long long ldx, long long ldo, float eps) { layernorm_row<T>(out, x, w, b, cols, ldx, ldo, eps); }
      """)
  public interface Cuda {
    @Global("kj_layernorm<float>")
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

    @Global("kj_layernorm<__half>")
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

    @Global("kj_layernorm<__nv_bfloat16>")
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

  @FunctionalInterface
  private interface LayerNormFn<T extends Element> {
    void launch(
        Cuda k,
        Launch l,
        Ptr<T> out,
        ConstPtr<T> x,
        ConstPtr<T> w,
        ConstPtr<T> b,
        int cols,
        long ldx,
        long ldo,
        float eps);
  }

  /** One instantiation of {@code kj_layernorm}. */
  private record LayerNormKernel<T extends Element>(Class<T> t, LayerNormFn<T> fn)
      implements Instantiations.OfElement {
    void launch(
        Cuda k,
        Launch l,
        Tensor out,
        Tensor x,
        Tensor w,
        Tensor b,
        int cols,
        long ldx,
        long ldo,
        float eps) {
      fn.launch(k, l, out.ptr(t), x.constPtr(t), w.constPtr(t), b.constPtr(t), cols, ldx, ldo, eps);
    }
  }

  private static final Instantiations<LayerNormKernel<?>> LAYER_NORMS =
      Instantiations.of(
          "layerNorm",
          "x",
          new LayerNormKernel<>(F32.class, Cuda::kj_layernorm_f32),
          new LayerNormKernel<>(F16.class, Cuda::kj_layernorm_f16),
          new LayerNormKernel<>(BF16.class, Cuda::kj_layernorm_bf16));

  /** {@code rows} rows of {@code cols}; x, out rows {@code ldx}, {@code ldo} elements apart. */
  public static void layerNorm(
      Cuda k,
      StreamRef stream,
      Tensor out,
      Tensor x,
      Tensor w,
      Tensor b,
      int rows,
      int cols,
      long ldx,
      long ldo,
      float eps) {
    LaunchMath.requireFloating("layerNorm", "x", x.dtype());
    LaunchMath.requireNonNegative("layerNorm", "rows", rows);
    LaunchMath.requireNonNegative("layerNorm", "cols", cols);
    LaunchMath.requireAddress("layerNorm", "out", out);
    LaunchMath.requireAddress("layerNorm", "x", x);
    LaunchMath.requireAddress("layerNorm", "weight", w);
    LaunchMath.requireAddress("layerNorm", "bias", b);
    if (rows == 0 || cols == 0) {
      return;
    }
    // Scalar loads: a block of up to 1024 threads, one element each per step.
    Launch l =
        Launch.grid(rows)
            .block((int) Math.min(1024, Math.max(32, (cols + 31L) / 32 * 32)))
            .on(stream);
    LAYER_NORMS.get(x.dtype()).launch(k, l, out, x, w, b, cols, ldx, ldo, eps);
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
