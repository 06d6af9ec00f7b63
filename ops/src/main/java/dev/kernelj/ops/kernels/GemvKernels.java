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
import dev.kernelj.ops.Tensor;
import java.util.List;

/**
 * The entry points of {@link Gemv}: the two kernel templates of {@link GemvSource} ({@code
 * kj_gemv_mma}, tensor cores; {@code kj_gemv_simt}, CUDA cores) with one {@code @Global} per (x, w,
 * out) instantiation, and the typed tables that find one by the tensors' dtypes.
 */
public final class GemvKernels {
  private GemvKernels() {}

  @Kernel(
      source =
          GemvSource.SOURCE
              + """
      #define GEMV_MMA_TILES 1
      #define GEMV_MMA_WARPS 8
      #define GEMV_MMA_UNROLL 8
      #define GEMV_MMA_LOAD 1
      #define GEMV_MMA_THREADS (32 * GEMV_MMA_WARPS)

      template <typename TX, typename TW, typename TO>
      __global__ void __launch_bounds__(GEMV_MMA_THREADS) kj_gemv_mma(TO* out, const TX* x, const TW* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_mma<TX, TW, TO, GEMV_MMA_TILES, GEMV_MMA_WARPS, GEMV_MMA_UNROLL, GEMV_MMA_LOAD>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      template <typename TX, typename TW, typename TO>
      __global__ void __launch_bounds__(GEMV_THREADS) kj_gemv_simt(TO* out, const TX* x, const TW* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_simt<TX, TW, TO>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      """)
  public interface Cuda {
    @Global("kj_gemv_mma<float, __nv_bfloat16, float>")
    void kj_gemv_mma_wbf16_xf32_of32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> x,
        ConstPtr<BF16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_mma<float, __nv_bfloat16, __nv_bfloat16>")
    void kj_gemv_mma_wbf16_xf32_obf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<F32> x,
        ConstPtr<BF16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_mma<__nv_bfloat16, __nv_bfloat16, float>")
    void kj_gemv_mma_wbf16_xbf16_of32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_mma<__nv_bfloat16, __nv_bfloat16, __nv_bfloat16>")
    void kj_gemv_mma_wbf16_xbf16_obf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_mma<float, __half, float>")
    void kj_gemv_mma_wf16_xf32_of32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> x,
        ConstPtr<F16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_mma<float, __half, __half>")
    void kj_gemv_mma_wf16_xf32_of16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F32> x,
        ConstPtr<F16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_mma<__half, __half, float>")
    void kj_gemv_mma_wf16_xf16_of32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_mma<__half, __half, __half>")
    void kj_gemv_mma_wf16_xf16_of16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_simt<float, __nv_bfloat16, float>")
    void kj_gemv_simt_wbf16_xf32_of32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> x,
        ConstPtr<BF16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_simt<float, __nv_bfloat16, __nv_bfloat16>")
    void kj_gemv_simt_wbf16_xf32_obf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<F32> x,
        ConstPtr<BF16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_simt<__nv_bfloat16, __nv_bfloat16, float>")
    void kj_gemv_simt_wbf16_xbf16_of32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_simt<__nv_bfloat16, __nv_bfloat16, __nv_bfloat16>")
    void kj_gemv_simt_wbf16_xbf16_obf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<BF16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_simt<float, __half, float>")
    void kj_gemv_simt_wf16_xf32_of32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> x,
        ConstPtr<F16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_simt<float, __half, __half>")
    void kj_gemv_simt_wf16_xf32_of16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F32> x,
        ConstPtr<F16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_simt<__half, __half, float>")
    void kj_gemv_simt_wf16_xf16_of32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_simt<__half, __half, __half>")
    void kj_gemv_simt_wf16_xf16_of16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<F16> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);

    @Global("kj_gemv_simt<float, float, float>")
    void kj_gemv_simt_wf32_xf32_of32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> x,
        ConstPtr<F32> w,
        int rows,
        int n,
        int k,
        long ldx,
        long ldw,
        long ldo);
  }

  /**
   * A launcher method of x element {@code X}, weight element {@code W}, output element {@code O}.
   */
  @FunctionalInterface
  interface GemvFn<X extends Element, W extends Element, O extends Element> {
    void launch(
        Cuda k,
        Launch l,
        Ptr<O> out,
        ConstPtr<X> x,
        ConstPtr<W> w,
        int rows,
        int n,
        int kk,
        long ldx,
        long ldw,
        long ldo);
  }

  /** One instantiation of {@code kj_gemv_mma} or {@code kj_gemv_simt}. */
  record GemvKernel<X extends Element, W extends Element, O extends Element>(
      Class<X> x, Class<W> w, Class<O> out, GemvFn<X, W, O> fn) implements Instantiations.Entry {
    @Override
    public List<DType> dtypes() {
      return List.of(DType.of(x), DType.of(w), DType.of(out));
    }

    void launch(
        Cuda k,
        Launch l,
        Tensor outTensor,
        Tensor xTensor,
        Tensor wTensor,
        int rows,
        int n,
        int kk,
        long ldx,
        long ldw,
        long ldo) {
      fn.launch(
          k,
          l,
          outTensor.ptr(out),
          xTensor.constPtr(x),
          wTensor.constPtr(w),
          rows,
          n,
          kk,
          ldx,
          ldw,
          ldo);
    }
  }

  /** The tensor-core kernel: half-precision weights. */
  static final Instantiations<GemvKernel<?, ?, ?>> TENSOR_CORE =
      Instantiations.of(
          "gemv",
          "x,w,out",
          new GemvKernel<>(F32.class, BF16.class, F32.class, Cuda::kj_gemv_mma_wbf16_xf32_of32),
          new GemvKernel<>(F32.class, BF16.class, BF16.class, Cuda::kj_gemv_mma_wbf16_xf32_obf16),
          new GemvKernel<>(BF16.class, BF16.class, F32.class, Cuda::kj_gemv_mma_wbf16_xbf16_of32),
          new GemvKernel<>(BF16.class, BF16.class, BF16.class, Cuda::kj_gemv_mma_wbf16_xbf16_obf16),
          new GemvKernel<>(F32.class, F16.class, F32.class, Cuda::kj_gemv_mma_wf16_xf32_of32),
          new GemvKernel<>(F32.class, F16.class, F16.class, Cuda::kj_gemv_mma_wf16_xf32_of16),
          new GemvKernel<>(F16.class, F16.class, F32.class, Cuda::kj_gemv_mma_wf16_xf16_of32),
          new GemvKernel<>(F16.class, F16.class, F16.class, Cuda::kj_gemv_mma_wf16_xf16_of16));

  /** The CUDA-core kernel: every supported combination. */
  static final Instantiations<GemvKernel<?, ?, ?>> CUDA_CORE =
      Instantiations.of(
          "gemv",
          "x,w,out",
          new GemvKernel<>(F32.class, BF16.class, F32.class, Cuda::kj_gemv_simt_wbf16_xf32_of32),
          new GemvKernel<>(F32.class, BF16.class, BF16.class, Cuda::kj_gemv_simt_wbf16_xf32_obf16),
          new GemvKernel<>(BF16.class, BF16.class, F32.class, Cuda::kj_gemv_simt_wbf16_xbf16_of32),
          new GemvKernel<>(
              BF16.class, BF16.class, BF16.class, Cuda::kj_gemv_simt_wbf16_xbf16_obf16),
          new GemvKernel<>(F32.class, F16.class, F32.class, Cuda::kj_gemv_simt_wf16_xf32_of32),
          new GemvKernel<>(F32.class, F16.class, F16.class, Cuda::kj_gemv_simt_wf16_xf32_of16),
          new GemvKernel<>(F16.class, F16.class, F32.class, Cuda::kj_gemv_simt_wf16_xf16_of32),
          new GemvKernel<>(F16.class, F16.class, F16.class, Cuda::kj_gemv_simt_wf16_xf16_of16),
          new GemvKernel<>(F32.class, F32.class, F32.class, Cuda::kj_gemv_simt_wf32_xf32_of32));
}
