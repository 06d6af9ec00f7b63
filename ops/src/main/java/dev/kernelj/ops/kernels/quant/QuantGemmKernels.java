package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.U32;

/**
 * The entry points of the quantized kernels ({@link QuantGemmSource}); {@link QuantGemm} picks one
 * and computes its launch. GEMM: activation dtype x code width x rows of x covered ({@code m8}: 1
 * to 8 rows, one mma column tile; {@code m16}, {@code m32}, {@code m64}: 2, 4, 8 tiles), with the
 * loads in flight per warp ({@code U}) lowered as the accumulators grow.
 */
@Kernel(
    source =
        QuantGemmSource.SOURCE
            + """
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_bf16_w4_m8(__nv_bfloat16* out, const __nv_bfloat16* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__nv_bfloat16, 4, 1, 8>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_bf16_w4_m16(__nv_bfloat16* out, const __nv_bfloat16* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__nv_bfloat16, 4, 2, 8>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_bf16_w4_m32(__nv_bfloat16* out, const __nv_bfloat16* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__nv_bfloat16, 4, 4, 4>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_bf16_w4_m64(__nv_bfloat16* out, const __nv_bfloat16* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__nv_bfloat16, 4, 8, 2>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_bf16_w8_m8(__nv_bfloat16* out, const __nv_bfloat16* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__nv_bfloat16, 8, 1, 8>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_bf16_w8_m16(__nv_bfloat16* out, const __nv_bfloat16* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__nv_bfloat16, 8, 2, 4>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_bf16_w8_m32(__nv_bfloat16* out, const __nv_bfloat16* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__nv_bfloat16, 8, 4, 4>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_bf16_w8_m64(__nv_bfloat16* out, const __nv_bfloat16* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__nv_bfloat16, 8, 8, 2>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_f16_w4_m8(__half* out, const __half* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__half, 4, 1, 8>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_f16_w4_m16(__half* out, const __half* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__half, 4, 2, 8>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_f16_w4_m32(__half* out, const __half* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__half, 4, 4, 4>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_f16_w4_m64(__half* out, const __half* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__half, 4, 8, 2>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_f16_w8_m8(__half* out, const __half* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__half, 8, 1, 8>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_f16_w8_m16(__half* out, const __half* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__half, 8, 2, 4>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_f16_w8_m32(__half* out, const __half* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__half, 8, 4, 4>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void __launch_bounds__(kj_q::THREADS, 1) kj_qgemm_f16_w8_m64(__half* out, const __half* x, const unsigned int* w, const unsigned int* meta, float* partials, unsigned int* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) { kj_q::qgemm<__half, 8, 8, 2>(out, x, w, meta, partials, counters, m, n, kx, ktiles, group_steps, chunks, ldx, ldo, scale_bf16, splits); }
      extern "C" __global__ void kj_qgather_bf16(__nv_bfloat16* out, const __nv_bfloat16* x, const int* map, int m, int kp, long long ldx, long long ldo) { kj_q::gather(out, x, map, m, kp, ldx, ldo); }
      extern "C" __global__ void kj_qgather_f16(__half* out, const __half* x, const int* map, int m, int kp, long long ldx, long long ldo) { kj_q::gather(out, x, map, m, kp, ldx, ldo); }
      extern "C" __global__ void kj_qdequant_bf16_w4(__nv_bfloat16* dense, const unsigned int* w, const unsigned int* meta, int row0, int rows, int ktiles, int group_steps, int chunks, long long ldd, int scale_bf16) { kj_q::dequant<__nv_bfloat16, 4>(dense, w, meta, row0, rows, ktiles, group_steps, chunks, ldd, scale_bf16); }
      extern "C" __global__ void kj_qdequant_bf16_w8(__nv_bfloat16* dense, const unsigned int* w, const unsigned int* meta, int row0, int rows, int ktiles, int group_steps, int chunks, long long ldd, int scale_bf16) { kj_q::dequant<__nv_bfloat16, 8>(dense, w, meta, row0, rows, ktiles, group_steps, chunks, ldd, scale_bf16); }
      extern "C" __global__ void kj_qdequant_f16_w4(__half* dense, const unsigned int* w, const unsigned int* meta, int row0, int rows, int ktiles, int group_steps, int chunks, long long ldd, int scale_bf16) { kj_q::dequant<__half, 4>(dense, w, meta, row0, rows, ktiles, group_steps, chunks, ldd, scale_bf16); }
      extern "C" __global__ void kj_qdequant_f16_w8(__half* dense, const unsigned int* w, const unsigned int* meta, int row0, int rows, int ktiles, int group_steps, int chunks, long long ldd, int scale_bf16) { kj_q::dequant<__half, 8>(dense, w, meta, row0, rows, ktiles, group_steps, chunks, ldd, scale_bf16); }
      """)
public interface QuantGemmKernels {
  void kj_qgemm_bf16_w4_m8(
      Launch l,
      Ptr<BF16> out,
      ConstPtr<BF16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_bf16_w4_m16(
      Launch l,
      Ptr<BF16> out,
      ConstPtr<BF16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_bf16_w4_m32(
      Launch l,
      Ptr<BF16> out,
      ConstPtr<BF16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_bf16_w4_m64(
      Launch l,
      Ptr<BF16> out,
      ConstPtr<BF16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_bf16_w8_m8(
      Launch l,
      Ptr<BF16> out,
      ConstPtr<BF16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_bf16_w8_m16(
      Launch l,
      Ptr<BF16> out,
      ConstPtr<BF16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_bf16_w8_m32(
      Launch l,
      Ptr<BF16> out,
      ConstPtr<BF16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_bf16_w8_m64(
      Launch l,
      Ptr<BF16> out,
      ConstPtr<BF16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_f16_w4_m8(
      Launch l,
      Ptr<F16> out,
      ConstPtr<F16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_f16_w4_m16(
      Launch l,
      Ptr<F16> out,
      ConstPtr<F16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_f16_w4_m32(
      Launch l,
      Ptr<F16> out,
      ConstPtr<F16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_f16_w4_m64(
      Launch l,
      Ptr<F16> out,
      ConstPtr<F16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_f16_w8_m8(
      Launch l,
      Ptr<F16> out,
      ConstPtr<F16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_f16_w8_m16(
      Launch l,
      Ptr<F16> out,
      ConstPtr<F16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_f16_w8_m32(
      Launch l,
      Ptr<F16> out,
      ConstPtr<F16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgemm_f16_w8_m64(
      Launch l,
      Ptr<F16> out,
      ConstPtr<F16> x,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      Ptr<F32> partials,
      Ptr<U32> counters,
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

  void kj_qgather_bf16(
      Launch l,
      Ptr<BF16> out,
      ConstPtr<BF16> x,
      ConstPtr<I32> map,
      int m,
      int kp,
      long ldx,
      long ldo);

  void kj_qgather_f16(
      Launch l,
      Ptr<F16> out,
      ConstPtr<F16> x,
      ConstPtr<I32> map,
      int m,
      int kp,
      long ldx,
      long ldo);

  void kj_qdequant_bf16_w4(
      Launch l,
      Ptr<BF16> dense,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      int row0,
      int rows,
      int ktiles,
      int groupSteps,
      int chunks,
      long ldd,
      int scaleBf16);

  void kj_qdequant_bf16_w8(
      Launch l,
      Ptr<BF16> dense,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      int row0,
      int rows,
      int ktiles,
      int groupSteps,
      int chunks,
      long ldd,
      int scaleBf16);

  void kj_qdequant_f16_w4(
      Launch l,
      Ptr<F16> dense,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      int row0,
      int rows,
      int ktiles,
      int groupSteps,
      int chunks,
      long ldd,
      int scaleBf16);

  void kj_qdequant_f16_w8(
      Launch l,
      Ptr<F16> dense,
      ConstPtr<U32> w,
      ConstPtr<U32> meta,
      int row0,
      int rows,
      int ktiles,
      int groupSteps,
      int chunks,
      long ldd,
      int scaleBf16);
}
