package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;

/**
 * The entry points of {@link QuantGemm}: the kernel templates of {@link QuantGemmSource} with one
 * {@code @Global} per instantiation ({@link QuantGemm} holds the typed tables that find one by the
 * activations' dtype). GEMM: activation dtype x code width x rows of x covered ({@code m1}: one
 * row, x staged in shared memory; {@code m8}: 1 to 8 rows, one mma column tile; {@code m16}, {@code
 * m32}, {@code m64}: 2, 4, 8 tiles), with the loads in flight per warp ({@code U}) lowered as the
 * accumulators grow; {@code kj_qstream}: the one-row streaming kernel of {@link QuantStreamSource}
 * for 4- and 8-bit codes with 1 or 2 row tiles a block; {@code kj_qfew}: the few-row kernel of
 * {@link QuantFewSource} ({@code m8}, {@code m16}, {@code m32}, two row tiles a warp; {@code
 * m8_rw1}, {@code m16_rw1}, one, for 4-bit codes); {@code kj_qfewx}: the few-row kernel with x
 * shared by the block of {@link QuantFewSharedXSource} ({@code m8}, {@code m16}, {@code m32});
 * {@code kj_qxreg}: the few-row kernel with x held in registers of {@link QuantXRegSource} ({@code
 * m8}, {@code m16}, 4-bit codes). The packed codes and scales are the I32 tensors of a {@link
 * dev.kernelj.ops.QuantizedMatrix}; the wrappers read them as the 32-bit words they are.
 */
public final class QuantGemmKernels {
  private QuantGemmKernels() {}

  @Kernel(
      source = {
        QuantGemmSource.SOURCE + QuantStreamSource.SOURCE,
        QuantFewSource.SOURCE
            + QuantFewSharedXSource.SOURCE
            + QuantXRegSource.SOURCE
            + """
      template <typename T, int BITS, int MT, int U, bool STAGED>
      __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm(T* out, const T* x, const int* w, const int* meta, float* partials, int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<T, BITS, MT, U, STAGED>(out, x, reinterpret_cast<const unsigned*>(w), reinterpret_cast<const unsigned*>(meta), partials, reinterpret_cast<unsigned*>(counters), m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      /* The one-row streaming kernel, with kj_qgemm's parameters (it reads neither the split scratch nor the strides). */
      template <typename T, int BITS, int RT, int KW>
      __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qstream(T* out, const T* x, const int* w, const int* meta, float* partials, int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_qs::qstream<T, BITS, RT, KW>(out, x, reinterpret_cast<const unsigned*>(w), reinterpret_cast<const unsigned*>(meta), n, kx, ktiles, group_steps, chunks, scale_bf16); }
      /* The few-row kernel, with kj_qgemm's parameters (blocks an SM: kj_qf::few_blocks_per_sm). */
      template <typename T, int BITS, int MT, int RW, int U>
      __global__ void __launch_bounds__(kj_q::THREADS, kj_qf::few_blocks_per_sm(MT, RW)) kj_qfew(T* out, const T* x, const int* w, const int* meta, float* partials, int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_qf::few<T, BITS, MT, RW, U>(out, x, reinterpret_cast<const unsigned*>(w), reinterpret_cast<const unsigned*>(meta), partials, reinterpret_cast<unsigned*>(counters), m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      /* The few-row kernel with x shared by the block's 8 warps, with kj_qgemm's parameters. */
      template <typename T, int MT, int U>
      __global__ void __launch_bounds__(kj_q::THREADS, kj_qf::blocks_per_sm(MT)) kj_qfewx(T* out, const T* x, const int* w, const int* meta, float* partials, int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_qfx::fewx<T, MT, U>(out, x, reinterpret_cast<const unsigned*>(w), reinterpret_cast<const unsigned*>(meta), partials, reinterpret_cast<unsigned*>(counters), m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      /* The few-row kernel with x held in registers, with kj_qgemm's parameters (splits unused: k blocks follow from
         ktiles and W); 128 registers a thread at W 16 (one block an SM) and at W 8 (two). */
      template <typename T, int MT, int W, int U, int NB, int TAIL, int CH>
      __global__ void __launch_bounds__(32 * W, 16 / W) kj_qxreg(T* out, const T* x, const int* w, const int* meta, float* partials, int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_qxr::xreg<T, MT, W, U, NB, TAIL, CH>(out, x, reinterpret_cast<const unsigned*>(w), reinterpret_cast<const unsigned*>(meta), partials, reinterpret_cast<unsigned*>(counters), m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16); }
      template <typename T>
      __global__ void kj_qgather(T* out, const T* x, const int* map, int m, int kp, long long ldx, long long ldo) { kj_q::gather<T>(out, x, map, m, kp, ldx, ldo); }
      template <typename T, int BITS>
      __global__ void kj_qdequant(T* dense, const int* w, const int* meta, int row0, int rows, int ktiles, int group_steps, int chunks, long long ldd, int scale_bf16) { kj_q::dequant<T, BITS>(dense, reinterpret_cast<const unsigned*>(w), reinterpret_cast<const unsigned*>(meta), row0, rows, ktiles, group_steps, chunks, ldd, scale_bf16); }
      """
      })
  public interface Cuda {
    @Global("kj_qgemm<__nv_bfloat16, 4, 1, 8, false>")
    void kj_qgemm_bf16_w4_m8(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__nv_bfloat16, 4, 2, 8, false>")
    void kj_qgemm_bf16_w4_m16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__nv_bfloat16, 4, 4, 4, false>")
    void kj_qgemm_bf16_w4_m32(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__nv_bfloat16, 4, 8, 2, false>")
    void kj_qgemm_bf16_w4_m64(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__nv_bfloat16, 8, 1, 8, false>")
    void kj_qgemm_bf16_w8_m8(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__nv_bfloat16, 8, 2, 4, false>")
    void kj_qgemm_bf16_w8_m16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__nv_bfloat16, 8, 4, 4, false>")
    void kj_qgemm_bf16_w8_m32(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__nv_bfloat16, 8, 8, 2, false>")
    void kj_qgemm_bf16_w8_m64(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__half, 4, 1, 8, false>")
    void kj_qgemm_f16_w4_m8(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__half, 4, 2, 8, false>")
    void kj_qgemm_f16_w4_m16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__half, 4, 4, 4, false>")
    void kj_qgemm_f16_w4_m32(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__half, 4, 8, 2, false>")
    void kj_qgemm_f16_w4_m64(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__half, 8, 1, 8, false>")
    void kj_qgemm_f16_w8_m8(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__half, 8, 2, 4, false>")
    void kj_qgemm_f16_w8_m16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__half, 8, 4, 4, false>")
    void kj_qgemm_f16_w8_m32(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgemm<__half, 8, 8, 2, false>")
    void kj_qgemm_f16_w8_m64(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qgemm<__nv_bfloat16, 4, 1, 4, true>",
        maxDynamicSharedBytes = QuantGemmSource.X_SHARED_MAX)
    void kj_qgemm_bf16_w4_m1(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qgemm<__nv_bfloat16, 8, 1, 4, true>",
        maxDynamicSharedBytes = QuantGemmSource.X_SHARED_MAX)
    void kj_qgemm_bf16_w8_m1(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qgemm<__half, 4, 1, 4, true>",
        maxDynamicSharedBytes = QuantGemmSource.X_SHARED_MAX)
    void kj_qgemm_f16_w4_m1(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qgemm<__half, 8, 1, 4, true>",
        maxDynamicSharedBytes = QuantGemmSource.X_SHARED_MAX)
    void kj_qgemm_f16_w8_m1(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qstream<__nv_bfloat16, 4, 1, 8>",
        maxDynamicSharedBytes = QuantStreamSource.SHARED_MAX)
    void kj_qstream_bf16_w4_rt1(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qstream<__nv_bfloat16, 4, 2, 4>",
        maxDynamicSharedBytes = QuantStreamSource.SHARED_MAX)
    void kj_qstream_bf16_w4_rt2(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qstream<__half, 4, 1, 8>",
        maxDynamicSharedBytes = QuantStreamSource.SHARED_MAX)
    void kj_qstream_f16_w4_rt1(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qstream<__half, 4, 2, 4>",
        maxDynamicSharedBytes = QuantStreamSource.SHARED_MAX)
    void kj_qstream_f16_w4_rt2(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qstream<__nv_bfloat16, 8, 1, 8>",
        maxDynamicSharedBytes = QuantStreamSource.SHARED_MAX)
    void kj_qstream_bf16_w8_rt1(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qstream<__nv_bfloat16, 8, 2, 4>",
        maxDynamicSharedBytes = QuantStreamSource.SHARED_MAX)
    void kj_qstream_bf16_w8_rt2(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qstream<__half, 8, 1, 8>",
        maxDynamicSharedBytes = QuantStreamSource.SHARED_MAX)
    void kj_qstream_f16_w8_rt1(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qstream<__half, 8, 2, 4>",
        maxDynamicSharedBytes = QuantStreamSource.SHARED_MAX)
    void kj_qstream_f16_w8_rt2(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__nv_bfloat16, 4, 1, 2, 3>")
    void kj_qfew_bf16_w4_m8(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__nv_bfloat16, 4, 2, 2, 2>")
    void kj_qfew_bf16_w4_m16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__nv_bfloat16, 4, 4, 2, 2>")
    void kj_qfew_bf16_w4_m32(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__half, 4, 1, 2, 3>")
    void kj_qfew_f16_w4_m8(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__half, 4, 2, 2, 2>")
    void kj_qfew_f16_w4_m16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__half, 4, 4, 2, 2>")
    void kj_qfew_f16_w4_m32(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__nv_bfloat16, 8, 1, 2, 3>")
    void kj_qfew_bf16_w8_m8(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__nv_bfloat16, 8, 2, 2, 2>")
    void kj_qfew_bf16_w8_m16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__nv_bfloat16, 8, 4, 2, 2>")
    void kj_qfew_bf16_w8_m32(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__half, 8, 1, 2, 3>")
    void kj_qfew_f16_w8_m8(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__half, 8, 2, 2, 2>")
    void kj_qfew_f16_w8_m16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__half, 8, 4, 2, 2>")
    void kj_qfew_f16_w8_m32(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__nv_bfloat16, 4, 1, 1, 3>")
    void kj_qfew_bf16_w4_m8_rw1(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__nv_bfloat16, 4, 2, 1, 3>")
    void kj_qfew_bf16_w4_m16_rw1(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__half, 4, 1, 1, 3>")
    void kj_qfew_f16_w4_m8_rw1(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qfew<__half, 4, 2, 1, 3>")
    void kj_qfew_f16_w4_m16_rw1(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qxreg<__nv_bfloat16, 1, " + QuantXRegSource.XREG_M8 + ">")
    void kj_qxreg_bf16_w4_m8(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qxreg<__nv_bfloat16, 2, " + QuantXRegSource.XREG_M16 + ">")
    void kj_qxreg_bf16_w4_m16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qxreg<__half, 1, " + QuantXRegSource.XREG_M8 + ">")
    void kj_qxreg_f16_w4_m8(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qxreg<__half, 2, " + QuantXRegSource.XREG_M16 + ">")
    void kj_qxreg_f16_w4_m16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qfewx<__nv_bfloat16, 1, " + QuantFewSharedXSource.SLOTS_M8 + ">",
        maxDynamicSharedBytes = QuantFewSharedXSource.SHARED_MAX)
    void kj_qfewx_bf16_m8(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qfewx<__nv_bfloat16, 2, " + QuantFewSharedXSource.SLOTS_M16 + ">",
        maxDynamicSharedBytes = QuantFewSharedXSource.SHARED_MAX)
    void kj_qfewx_bf16_m16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qfewx<__nv_bfloat16, 4, " + QuantFewSharedXSource.SLOTS_M32 + ">",
        maxDynamicSharedBytes = QuantFewSharedXSource.SHARED_MAX)
    void kj_qfewx_bf16_m32(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qfewx<__half, 1, " + QuantFewSharedXSource.SLOTS_M8 + ">",
        maxDynamicSharedBytes = QuantFewSharedXSource.SHARED_MAX)
    void kj_qfewx_f16_m8(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qfewx<__half, 2, " + QuantFewSharedXSource.SLOTS_M16 + ">",
        maxDynamicSharedBytes = QuantFewSharedXSource.SHARED_MAX)
    void kj_qfewx_f16_m16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global(
        value = "kj_qfewx<__half, 4, " + QuantFewSharedXSource.SLOTS_M32 + ">",
        maxDynamicSharedBytes = QuantFewSharedXSource.SHARED_MAX)
    void kj_qfewx_f16_m32(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);

    @Global("kj_qgather<__nv_bfloat16>")
    void kj_qgather_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> map,
        int m,
        int kp,
        long ldx,
        long ldo);

    @Global("kj_qgather<__half>")
    void kj_qgather_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> map,
        int m,
        int kp,
        long ldx,
        long ldo);

    @Global("kj_qdequant<__nv_bfloat16, 4>")
    void kj_qdequant_bf16_w4(
        Launch l,
        Ptr<BF16> dense,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        int row0,
        int rows,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldd,
        int scaleBf16);

    @Global("kj_qdequant<__nv_bfloat16, 8>")
    void kj_qdequant_bf16_w8(
        Launch l,
        Ptr<BF16> dense,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        int row0,
        int rows,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldd,
        int scaleBf16);

    @Global("kj_qdequant<__half, 4>")
    void kj_qdequant_f16_w4(
        Launch l,
        Ptr<F16> dense,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        int row0,
        int rows,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldd,
        int scaleBf16);

    @Global("kj_qdequant<__half, 8>")
    void kj_qdequant_f16_w8(
        Launch l,
        Ptr<F16> dense,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        int row0,
        int rows,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldd,
        int scaleBf16);
  }
}
