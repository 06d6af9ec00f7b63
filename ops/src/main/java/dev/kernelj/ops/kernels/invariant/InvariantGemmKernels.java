package dev.kernelj.ops.kernels.invariant;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;

/**
 * The entry points of {@link InvariantGemm}: the templates of {@link InvariantGemmSource} with one
 * {@code @Global} per instantiation — element type (bf16, f16) x output (the element type, or f32
 * for logits) x tile (k unsplit, {@code igemm_few}: {@code few8}, 32 weight rows x 8 rows of x, 2
 * warps, 6 stages, and {@code few16}, 64 x 16, 4 warps, 4 stages, both with 128-input k blocks;
 * {@code igemm} with 64-input k blocks: {@code s}, 64 weight rows x 16 rows of x, 4 warps, 4
 * stages; {@code m}: 128 x 64, 8 warps, 3 stages; {@code l}: 128 x 128, 8 warps, 3 stages) — and
 * the reduction of split partials per output type.
 */
public final class InvariantGemmKernels {
  private InvariantGemmKernels() {}

  /**
   * Dynamic shared memory of the {@code few8} tiles: 6 stages x (32 + 8) rows x (128 + 8) x 2
   * bytes.
   */
  static final int SHARED_FEW8 = 6 * (32 + 8) * 136 * 2;

  /**
   * Dynamic shared memory of the {@code few16} tiles: 4 stages x (64 + 16) rows x (128 + 8) x 2
   * bytes.
   */
  static final int SHARED_FEW16 = 4 * (64 + 16) * 136 * 2;

  /**
   * Dynamic shared memory of the {@code s} tiles: 4 stages x (64 + 16) rows x (64 + 8) x 2 bytes.
   */
  static final int SHARED_S = 4 * (64 + 16) * 72 * 2;

  /** Of the {@code m} tiles: 3 stages x (128 + 64) rows x (64 + 8) x 2 bytes. */
  static final int SHARED_M = 3 * (128 + 64) * 72 * 2;

  /** Of the {@code l} tiles: 3 stages x (128 + 128) rows x (64 + 8) x 2 bytes. */
  static final int SHARED_L = 3 * (128 + 128) * 72 * 2;

  @Kernel(
      source =
          InvariantGemmSource.SOURCE
              + """
      template <typename T, typename O, int BW, int BT, int WW, int WT, int BK, int STAGES>
      __global__ void __launch_bounds__(32 * WW * WT) kj_igemm(O* out, float* partials, const T* x, const T* w, int m, int n, int k, long long ldx, long long ldw, long long ldo, int splits) { kj_ig::igemm<T, O, BW, BT, WW, WT, BK, STAGES>(out, partials, x, w, m, n, k, ldx, ldw, ldo, splits); }
      template <typename T, typename O, int WARPS, int BT, int BK, int STAGES>
      __global__ void __launch_bounds__(32 * WARPS) kj_igemm_few(O* out, const T* x, const T* w, int m, int n, int k, long long ldx, long long ldw, long long ldo) { kj_ig::igemm_few<T, O, WARPS, BT, BK, STAGES>(out, x, w, m, n, k, ldx, ldw, ldo); }
      template <typename O>
      __global__ void kj_ireduce(O* out, const float* partials, int m, int n, long long ldo, int splits) { kj_ig::ireduce<O>(out, partials, m, n, ldo, splits); }
      """)
  public interface Cuda {
    @Global(
        value = "kj_igemm_few<__nv_bfloat16, __nv_bfloat16, 2, 8, 128, 6>",
        maxDynamicSharedBytes = SHARED_FEW8)
    void kj_igemm_bf16_few8(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global(
        value = "kj_igemm_few<__nv_bfloat16, __nv_bfloat16, 4, 16, 128, 4>",
        maxDynamicSharedBytes = SHARED_FEW16)
    void kj_igemm_bf16_few16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global(
        value = "kj_igemm<__nv_bfloat16, __nv_bfloat16, 64, 16, 4, 1, 64, 4>",
        maxDynamicSharedBytes = SHARED_S)
    void kj_igemm_bf16_s(
        Launch l,
        Ptr<BF16> out,
        Ptr<F32> partials,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm<__nv_bfloat16, __nv_bfloat16, 128, 64, 4, 2, 64, 3>",
        maxDynamicSharedBytes = SHARED_M)
    void kj_igemm_bf16_m(
        Launch l,
        Ptr<BF16> out,
        Ptr<F32> partials,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm<__nv_bfloat16, __nv_bfloat16, 128, 128, 2, 4, 64, 3>",
        maxDynamicSharedBytes = SHARED_L)
    void kj_igemm_bf16_l(
        Launch l,
        Ptr<BF16> out,
        Ptr<F32> partials,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm_few<__nv_bfloat16, float, 2, 8, 128, 6>",
        maxDynamicSharedBytes = SHARED_FEW8)
    void kj_igemm_bf16_f32_few8(
        Launch l,
        Ptr<F32> out,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global(
        value = "kj_igemm_few<__nv_bfloat16, float, 4, 16, 128, 4>",
        maxDynamicSharedBytes = SHARED_FEW16)
    void kj_igemm_bf16_f32_few16(
        Launch l,
        Ptr<F32> out,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global(
        value = "kj_igemm<__nv_bfloat16, float, 64, 16, 4, 1, 64, 4>",
        maxDynamicSharedBytes = SHARED_S)
    void kj_igemm_bf16_f32_s(
        Launch l,
        Ptr<F32> out,
        Ptr<F32> partials,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm<__nv_bfloat16, float, 128, 64, 4, 2, 64, 3>",
        maxDynamicSharedBytes = SHARED_M)
    void kj_igemm_bf16_f32_m(
        Launch l,
        Ptr<F32> out,
        Ptr<F32> partials,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm<__nv_bfloat16, float, 128, 128, 2, 4, 64, 3>",
        maxDynamicSharedBytes = SHARED_L)
    void kj_igemm_bf16_f32_l(
        Launch l,
        Ptr<F32> out,
        Ptr<F32> partials,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm_few<__half, __half, 2, 8, 128, 6>",
        maxDynamicSharedBytes = SHARED_FEW8)
    void kj_igemm_f16_few8(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global(
        value = "kj_igemm_few<__half, __half, 4, 16, 128, 4>",
        maxDynamicSharedBytes = SHARED_FEW16)
    void kj_igemm_f16_few16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global(
        value = "kj_igemm<__half, __half, 64, 16, 4, 1, 64, 4>",
        maxDynamicSharedBytes = SHARED_S)
    void kj_igemm_f16_s(
        Launch l,
        Ptr<F16> out,
        Ptr<F32> partials,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm<__half, __half, 128, 64, 4, 2, 64, 3>",
        maxDynamicSharedBytes = SHARED_M)
    void kj_igemm_f16_m(
        Launch l,
        Ptr<F16> out,
        Ptr<F32> partials,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm<__half, __half, 128, 128, 2, 4, 64, 3>",
        maxDynamicSharedBytes = SHARED_L)
    void kj_igemm_f16_l(
        Launch l,
        Ptr<F16> out,
        Ptr<F32> partials,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm_few<__half, float, 2, 8, 128, 6>",
        maxDynamicSharedBytes = SHARED_FEW8)
    void kj_igemm_f16_f32_few8(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global(
        value = "kj_igemm_few<__half, float, 4, 16, 128, 4>",
        maxDynamicSharedBytes = SHARED_FEW16)
    void kj_igemm_f16_f32_few16(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global(
        value = "kj_igemm<__half, float, 64, 16, 4, 1, 64, 4>",
        maxDynamicSharedBytes = SHARED_S)
    void kj_igemm_f16_f32_s(
        Launch l,
        Ptr<F32> out,
        Ptr<F32> partials,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm<__half, float, 128, 64, 4, 2, 64, 3>",
        maxDynamicSharedBytes = SHARED_M)
    void kj_igemm_f16_f32_m(
        Launch l,
        Ptr<F32> out,
        Ptr<F32> partials,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global(
        value = "kj_igemm<__half, float, 128, 128, 2, 4, 64, 3>",
        maxDynamicSharedBytes = SHARED_L)
    void kj_igemm_f16_f32_l(
        Launch l,
        Ptr<F32> out,
        Ptr<F32> partials,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int m,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo,
        int splits);

    @Global("kj_ireduce<__nv_bfloat16>")
    void kj_ireduce_bf16(
        Launch l, Ptr<BF16> out, ConstPtr<F32> partials, int m, int n, long ldo, int splits);

    @Global("kj_ireduce<__half>")
    void kj_ireduce_f16(
        Launch l, Ptr<F16> out, ConstPtr<F32> partials, int m, int n, long ldo, int splits);

    @Global("kj_ireduce<float>")
    void kj_ireduce_f32(
        Launch l, Ptr<F32> out, ConstPtr<F32> partials, int m, int n, long ldo, int splits);
  }
}
