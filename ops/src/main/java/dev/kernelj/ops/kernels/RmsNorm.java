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
 * to the dtype. The fused form first does the residual add of a transformer block, {@code residual
 * = round(residual + x)}, stores it, and normalises the stored (rounded) value, so the fused op
 * equals an add followed by a norm. Rows may be strided; {@code out} may be {@code x}.
 *
 * <p>How it runs ({@link #plan}): a row is read from memory once and kept in registers, up to
 * {@value #CHUNKS_PER_THREAD} 16-byte chunks of 8 elements per thread, all loads of a thread in
 * flight together (the weight's too), then one reduction and the writes. Rows of up to {@value
 * #WARP_ROW_MAX_COLS} elements take one warp each, four rows per block, reduced with warp shuffles
 * only; longer rows take one block of {@code ceil(cols / 8 / 4)} threads (128 for a hidden size of
 * 4096) with a shuffle plus a 32-float shared reduction. Rows that are not 16-byte aligned, not a
 * multiple of 8 long, or longer than 1024 threads' registers hold fall back to two passes over
 * global memory in the same kernel.
 */
public final class RmsNorm {
  private RmsNorm() {}

  /** 8-element chunks each thread keeps in registers ({@code MAX_CHUNKS} in the CUDA C). */
  public static final int CHUNKS_PER_THREAD = 4;

  /** Longest row handled by one warp. */
  public static final int WARP_ROW_MAX_COLS = 32 * 8 * CHUNKS_PER_THREAD;

  /** Rows per block when each warp takes one row. */
  public static final int WARP_ROWS_PER_BLOCK = 4;

  @Kernel(
      source =
          CudaPrelude.PRELUDE
              + """
      namespace kj_rms {
      constexpr int MAX_CHUNKS = 4;   // RmsNorm.CHUNKS_PER_THREAD

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
          float a[MAX_CHUNKS][8];   // the residual, then the weight
          /* Every load of this thread first, so they are all in flight at once; out may be x, but each
             element is read and written by the same thread, reads first. */
      #pragma unroll
          for (int k = 0; k < MAX_CHUNKS; ++k) {
            const int c = (lane + k * group) * 8;
            if (c < cols) {
              kj::load8(xr + c, v[k]);
              if (FUSED) kj::load8(rr + c, a[k]); else kj::load8(w + c, a[k]);
            }
          }
      #pragma unroll
          for (int k = 0; k < MAX_CHUNKS; ++k) {
            const int c = (lane + k * group) * 8;
            if (c < cols) {
              if (FUSED) {
      #pragma unroll
                for (int e = 0; e < 8; ++e) v[k][e] = kj::round_as<T>(a[k][e] + v[k][e]);
                kj::store8(rr + c, v[k]);
                kj::load8(w + c, a[k]);
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
              for (int e = 0; e < 8; ++e) v[k][e] = v[k][e] * inv * a[k][e];
              kj::store8(o + c, v[k]);
            }
          }
          return;
        }
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

      extern "C" __global__ void kj_rmsnorm_f32(float* out, const float* x, const float* w, int rows, int cols, long long ldx, long long ldo, float eps, int rows_per_block) { kj_rms::rmsnorm<float, false>(out, nullptr, x, w, rows, cols, ldx, 0, ldo, eps, rows_per_block); }
      extern "C" __global__ void kj_rmsnorm_f16(__half* out, const __half* x, const __half* w, int rows, int cols, long long ldx, long long ldo, float eps, int rows_per_block) { kj_rms::rmsnorm<__half, false>(out, nullptr, x, w, rows, cols, ldx, 0, ldo, eps, rows_per_block); }
      extern "C" __global__ void kj_rmsnorm_bf16(__nv_bfloat16* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int rows, int cols, long long ldx, long long ldo, float eps, int rows_per_block) { kj_rms::rmsnorm<__nv_bfloat16, false>(out, nullptr, x, w, rows, cols, ldx, 0, ldo, eps, rows_per_block); }
      extern "C" __global__ void kj_rmsnorm_residual_f32(float* out, float* residual, const float* x, const float* w, int rows, int cols, long long ldx, long long ldr, long long ldo, float eps, int rows_per_block) { kj_rms::rmsnorm<float, true>(out, residual, x, w, rows, cols, ldx, ldr, ldo, eps, rows_per_block); }
      extern "C" __global__ void kj_rmsnorm_residual_f16(__half* out, __half* residual, const __half* x, const __half* w, int rows, int cols, long long ldx, long long ldr, long long ldo, float eps, int rows_per_block) { kj_rms::rmsnorm<__half, true>(out, residual, x, w, rows, cols, ldx, ldr, ldo, eps, rows_per_block); }
      extern "C" __global__ void kj_rmsnorm_residual_bf16(__nv_bfloat16* out, __nv_bfloat16* residual, const __nv_bfloat16* x, const __nv_bfloat16* w, int rows, int cols, long long ldx, long long ldr, long long ldo, float eps, int rows_per_block) { kj_rms::rmsnorm<__nv_bfloat16, true>(out, residual, x, w, rows, cols, ldx, ldr, ldo, eps, rows_per_block); }
      """)
  public interface Cuda {
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

  /** The launch shape: {@code rowsPerBlock} is 4 (a warp per row) or 1 (a block per row). */
  public record Plan(Launch launch, int rowsPerBlock) {}

  /**
   * Warps of one row each for rows of at most {@link #WARP_ROW_MAX_COLS}; otherwise one block per
   * row with enough threads for {@link #CHUNKS_PER_THREAD} chunks each, 32 to 1024.
   */
  public static Plan plan(int rows, int cols, StreamRef stream) {
    if (cols <= WARP_ROW_MAX_COLS) {
      int blocks = (int) (((long) rows + WARP_ROWS_PER_BLOCK - 1) / WARP_ROWS_PER_BLOCK);
      return new Plan(
          Launch.grid(Math.max(1, blocks)).block(32 * WARP_ROWS_PER_BLOCK).on(stream),
          WARP_ROWS_PER_BLOCK);
    }
    long chunks = (cols + 7L) / 8;
    long threads = (chunks + CHUNKS_PER_THREAD - 1) / CHUNKS_PER_THREAD;
    threads = Math.min(1024, Math.max(32, (threads + 31) / 32 * 32));
    return new Plan(Launch.grid(Math.max(1, rows)).block((int) threads).on(stream), 1);
  }

  /** {@code rows} rows of {@code cols}; x, out rows {@code ldx}, {@code ldo} elements apart. */
  public static void rmsNorm(
      Cuda k,
      StreamRef stream,
      DType t,
      long out,
      long x,
      long w,
      int rows,
      int cols,
      long ldx,
      long ldo,
      float eps) {
    check(t, out, x, w, rows, cols);
    if (rows == 0 || cols == 0) {
      return;
    }
    Plan p = plan(rows, cols, stream);
    Launch l = p.launch();
    int rpb = p.rowsPerBlock();
    switch (t) {
      case F32 ->
          k.kj_rmsnorm_f32(
              l,
              ptr(out, F32.class),
              cptr(x, F32.class),
              cptr(w, F32.class),
              rows,
              cols,
              ldx,
              ldo,
              eps,
              rpb);
      case F16 ->
          k.kj_rmsnorm_f16(
              l,
              ptr(out, F16.class),
              cptr(x, F16.class),
              cptr(w, F16.class),
              rows,
              cols,
              ldx,
              ldo,
              eps,
              rpb);
      default ->
          k.kj_rmsnorm_bf16(
              l,
              ptr(out, BF16.class),
              cptr(x, BF16.class),
              cptr(w, BF16.class),
              rows,
              cols,
              ldx,
              ldo,
              eps,
              rpb);
    }
  }

  /** The fused form: {@code residual = residual + x; out = rmsnorm(residual) * w}. */
  public static void rmsNormResidual(
      Cuda k,
      StreamRef stream,
      DType t,
      long out,
      long residual,
      long x,
      long w,
      int rows,
      int cols,
      long ldx,
      long ldr,
      long ldo,
      float eps) {
    check(t, out, x, w, rows, cols);
    LaunchMath.requireAddress("rmsNormResidual", "residual", residual, t);
    if (rows == 0 || cols == 0) {
      return;
    }
    Plan p = plan(rows, cols, stream);
    Launch l = p.launch();
    int rpb = p.rowsPerBlock();
    switch (t) {
      case F32 ->
          k.kj_rmsnorm_residual_f32(
              l,
              ptr(out, F32.class),
              ptr(residual, F32.class),
              cptr(x, F32.class),
              cptr(w, F32.class),
              rows,
              cols,
              ldx,
              ldr,
              ldo,
              eps,
              rpb);
      case F16 ->
          k.kj_rmsnorm_residual_f16(
              l,
              ptr(out, F16.class),
              ptr(residual, F16.class),
              cptr(x, F16.class),
              cptr(w, F16.class),
              rows,
              cols,
              ldx,
              ldr,
              ldo,
              eps,
              rpb);
      default ->
          k.kj_rmsnorm_residual_bf16(
              l,
              ptr(out, BF16.class),
              ptr(residual, BF16.class),
              cptr(x, BF16.class),
              cptr(w, BF16.class),
              rows,
              cols,
              ldx,
              ldr,
              ldo,
              eps,
              rpb);
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
  public static void rmsNormReference(
      DType t,
      float[] out,
      int outOff,
      int ldo,
      float[] residual,
      int resOff,
      int ldr,
      float[] x,
      int xOff,
      int ldx,
      float[] w,
      int wOff,
      int rows,
      int cols,
      float eps) {
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
