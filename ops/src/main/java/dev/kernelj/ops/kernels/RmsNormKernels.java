package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.ops.Tensor;

/**
 * The CUDA C of {@link RmsNorm}, its {@code @Kernel} interface with one {@code @Global} per
 * template instantiation, and the typed table that finds an instantiation by the tensors' dtypes.
 */
public final class RmsNormKernels {
  private RmsNormKernels() {}

  @Kernel(
      source =
          CudaPrelude.PRELUDE
              + """
      namespace kj_rms {
      constexpr int MAX_CHUNKS = 4;   // RmsNorm.CHUNKS_PER_THREAD
      /* RmsNorm.ROW_BLOCK_MAX_THREADS: under this bound ptxas keeps to 128 registers a thread, so that a block of that
         many threads fits an SM's 64 K registers (RmsNormRegistersTest). */
      constexpr int MAX_THREADS = 512;

      /* rows_per_block > 1: each warp owns a row (no block barrier anywhere); 1: the block owns it. */
      template <typename T, bool FUSED>
      __device__ __forceinline__ void rmsnorm(T* out, T* residual, const T* x, const T* w, int rows, int cols,
                                              long long ldx, long long ldr, long long ldo, float eps, int rows_per_block) {
        const bool warp_rows = rows_per_block > 1;
        const int group = warp_rows ? 32 : blockDim.x;
        const int lane = warp_rows ? (threadIdx.x & 31) : threadIdx.x;
        const long long row = (long long)blockIdx.x * rows_per_block + (warp_rows ? (threadIdx.x >> 5) : 0);
        if (warp_rows && row >= rows) return;   // whole warps leave; the block never synchronises in this mode
        const T* xr = x + row * ldx;
        T* rr = FUSED ? residual + row * ldr : nullptr;
        T* o = out + row * ldo;
        const bool in_registers = cols % 8 == 0 && cols / 8 <= group * MAX_CHUNKS && kj::aligned16(xr) && kj::aligned16(o)
            && kj::aligned16(w) && (!FUSED || kj::aligned16(rr));
        float ss = 0.f;
        if (in_registers) {
          float v[MAX_CHUNKS][8];
          float r[MAX_CHUNKS][8];   // the residual
          float g[MAX_CHUNKS][8];   // the weight
          /* Launched to overlap the kernel before (programmatic dependent launch): nothing is read before it is done,
             since the weight may be that kernel's output too. */
          KJ_GRID_WAIT();
          KJ_GRID_LAUNCH_DEPENDENTS();
          /* Every load of this thread first (the weight's with the row's), so they are all in flight at once; out may
             be x, but each element is read and written by the same thread, reads first. */
      #pragma unroll
          for (int k = 0; k < MAX_CHUNKS; ++k) {
            const int c = (lane + k * group) * 8;
            if (c < cols) {
              kj::load8(xr + c, v[k]);
              if (FUSED) kj::load8(rr + c, r[k]);
              kj::load8(w + c, g[k]);
            }
          }
      #pragma unroll
          for (int k = 0; k < MAX_CHUNKS; ++k) {
            const int c = (lane + k * group) * 8;
            if (c < cols) {
              if (FUSED) {
      #pragma unroll
                for (int e = 0; e < 8; ++e) v[k][e] = kj::round_as<T>(r[k][e] + v[k][e]);
                kj::store8(rr + c, v[k]);
              }
      #pragma unroll
              for (int e = 0; e < 8; ++e) ss += v[k][e] * v[k][e];
            }
          }
          const float inv = rsqrtf((warp_rows ? kj::warp_sum(ss) : kj::block_sum(ss)) / (float)cols + eps);
      #pragma unroll
          for (int k = 0; k < MAX_CHUNKS; ++k) {
            const int c = (lane + k * group) * 8;
            if (c < cols) {
      #pragma unroll
              for (int e = 0; e < 8; ++e) v[k][e] = v[k][e] * inv * g[k][e];
              kj::store8(o + c, v[k]);
            }
          }
          return;
        }
        KJ_GRID_WAIT();
        KJ_GRID_LAUNCH_DEPENDENTS();
        /* Two passes over global memory; each thread re-reads only the elements it wrote. */
        const bool vec = cols % 8 == 0 && kj::aligned16(xr) && kj::aligned16(o) && kj::aligned16(w) && (!FUSED || kj::aligned16(rr));
        if (vec) {
          for (int c = lane * 8; c < cols; c += group * 8) {
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
          for (int c = lane; c < cols; c += group) {
            float v = kj::to_f32(xr[c]);
            if (FUSED) {
              v = kj::round_as<T>(kj::to_f32(rr[c]) + v);
              rr[c] = kj::from_f32<T>(v);
            }
            ss += v * v;
          }
        }
        const float inv = rsqrtf((warp_rows ? kj::warp_sum(ss) : kj::block_sum(ss)) / (float)cols + eps);
        const T* src = FUSED ? rr : xr;
        if (vec) {
          for (int c = lane * 8; c < cols; c += group * 8) {
            float v[8], g[8];
            kj::load8(src + c, v);
            kj::load8(w + c, g);
      #pragma unroll
            for (int e = 0; e < 8; ++e) v[e] = v[e] * inv * g[e];
            kj::store8(o + c, v);
          }
        } else {
          for (int c = lane; c < cols; c += group) o[c] = kj::from_f32<T>(kj::to_f32(src[c]) * inv * kj::to_f32(w[c]));
        }
      }
      }  // namespace kj_rms

      template <typename T>
      __global__ void __launch_bounds__(kj_rms::MAX_THREADS) kj_rmsnorm(T* out, const T* x, const T* w, int rows, int cols, long long ldx, long long ldo, float eps, int rows_per_block) { kj_rms::rmsnorm<T, false>(out, nullptr, x, w, rows, cols, ldx, 0, ldo, eps, rows_per_block); }
      template <typename T>
      __global__ void __launch_bounds__(kj_rms::MAX_THREADS) kj_rmsnorm_residual(T* out, T* residual, const T* x, const T* w, int rows, int cols, long long ldx, long long ldr, long long ldo, float eps, int rows_per_block) { kj_rms::rmsnorm<T, true>(out, residual, x, w, rows, cols, ldx, ldr, ldo, eps, rows_per_block); }
      """)
  public interface Cuda {
    @Global("kj_rmsnorm<float>")
    void kj_rmsnorm_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> x,
        ConstPtr<F32> w,
        int rows,
        int cols,
        long ldx,
        long ldo,
        float eps,
        int rowsPerBlock);

    @Global("kj_rmsnorm<__half>")
    void kj_rmsnorm_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int rows,
        int cols,
        long ldx,
        long ldo,
        float eps,
        int rowsPerBlock);

    @Global("kj_rmsnorm<__nv_bfloat16>")
    void kj_rmsnorm_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int rows,
        int cols,
        long ldx,
        long ldo,
        float eps,
        int rowsPerBlock);

    @Global("kj_rmsnorm_residual<float>")
    void kj_rmsnorm_residual_f32(
        Launch l,
        Ptr<F32> out,
        Ptr<F32> residual,
        ConstPtr<F32> x,
        ConstPtr<F32> w,
        int rows,
        int cols,
        long ldx,
        long ldr,
        long ldo,
        float eps,
        int rowsPerBlock);

    @Global("kj_rmsnorm_residual<__half>")
    void kj_rmsnorm_residual_f16(
        Launch l,
        Ptr<F16> out,
        Ptr<F16> residual,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int rows,
        int cols,
        long ldx,
        long ldr,
        long ldo,
        float eps,
        int rowsPerBlock);

    @Global("kj_rmsnorm_residual<__nv_bfloat16>")
    void kj_rmsnorm_residual_bf16(
        Launch l,
        Ptr<BF16> out,
        Ptr<BF16> residual,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int rows,
        int cols,
        long ldx,
        long ldr,
        long ldo,
        float eps,
        int rowsPerBlock);
  }

  @FunctionalInterface
  interface NormFn<T extends Element> {
    void launch(
        Cuda k,
        Launch l,
        Ptr<T> out,
        ConstPtr<T> x,
        ConstPtr<T> w,
        int rows,
        int cols,
        long ldx,
        long ldo,
        float eps,
        int rowsPerBlock);
  }

  /** One instantiation of {@code kj_rmsnorm}. */
  record NormKernel<T extends Element>(Class<T> t, NormFn<T> fn)
      implements Instantiations.OfElement {
    void launch(
        Cuda k,
        RmsNorm.Plan p,
        Tensor out,
        Tensor x,
        Tensor w,
        int rows,
        int cols,
        long ldx,
        long ldo,
        float eps) {
      fn.launch(
          k,
          p.launch(),
          out.ptr(t),
          x.constPtr(t),
          w.constPtr(t),
          rows,
          cols,
          ldx,
          ldo,
          eps,
          p.rowsPerBlock());
    }
  }

  @FunctionalInterface
  interface ResidualFn<T extends Element> {
    void launch(
        Cuda k,
        Launch l,
        Ptr<T> out,
        Ptr<T> residual,
        ConstPtr<T> x,
        ConstPtr<T> w,
        int rows,
        int cols,
        long ldx,
        long ldr,
        long ldo,
        float eps,
        int rowsPerBlock);
  }

  /** One instantiation of {@code kj_rmsnorm_residual}. */
  record ResidualKernel<T extends Element>(Class<T> t, ResidualFn<T> fn)
      implements Instantiations.OfElement {
    void launch(
        Cuda k,
        RmsNorm.Plan p,
        Tensor out,
        Tensor residual,
        Tensor x,
        Tensor w,
        int rows,
        int cols,
        long ldx,
        long ldr,
        long ldo,
        float eps) {
      fn.launch(
          k,
          p.launch(),
          out.ptr(t),
          residual.ptr(t),
          x.constPtr(t),
          w.constPtr(t),
          rows,
          cols,
          ldx,
          ldr,
          ldo,
          eps,
          p.rowsPerBlock());
    }
  }

  static final Instantiations<NormKernel<?>> NORMS =
      Instantiations.of(
          "rmsNorm",
          "x",
          new NormKernel<>(F32.class, Cuda::kj_rmsnorm_f32),
          new NormKernel<>(F16.class, Cuda::kj_rmsnorm_f16),
          new NormKernel<>(BF16.class, Cuda::kj_rmsnorm_bf16));

  static final Instantiations<ResidualKernel<?>> RESIDUAL_NORMS =
      Instantiations.of(
          "rmsNormResidual",
          "x",
          new ResidualKernel<>(F32.class, Cuda::kj_rmsnorm_residual_f32),
          new ResidualKernel<>(F16.class, Cuda::kj_rmsnorm_residual_f16),
          new ResidualKernel<>(BF16.class, Cuda::kj_rmsnorm_residual_bf16));
}
