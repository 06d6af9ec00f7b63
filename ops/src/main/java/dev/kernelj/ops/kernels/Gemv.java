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
import dev.kernelj.ops.OpArgumentException;
import java.util.stream.IntStream;

/**
 * Skinny matmul for decode: {@code out[r, j] = sum_k x[r, k] * w[j, k]} for 1 to 8 rows of x and a
 * row-major weight {@code w [n, k]} (a Hugging Face linear layer's {@code [out_features,
 * in_features]}). Semantics shared with the cuBLAS path and the reference: x is first rounded to
 * the weight dtype, products accumulate in f32 (f64 in the reference), the sum is rounded once to
 * the output dtype.
 *
 * <p>Two kernels, picked per call by {@link #gemv}: half-precision weights with k a multiple of 8
 * and 16-byte aligned rows take the tensor-core kernel ({@code kj_gemv_mma_*}: one 16-byte weight
 * load serves all rows of x through {@code mma.sync}, see {@link GemvSource}); everything else (f32
 * weights, odd k, unaligned views) takes the CUDA-core kernel ({@code kj_gemv_simt_*}). Both add
 * the partial sums of a block in a fixed order, so a result does not vary from run to run. Measured
 * figures and the variants tried are in {@code src/test/cuda/GEMV_NOTES.md}.
 */
public final class Gemv {
  private Gemv() {}

  /** Most rows of x one launch takes. */
  public static final int MAX_ROWS = 8;

  @Kernel(
      source =
          GemvSource.SOURCE
              + """
      #define GEMV_MMA_TILES 1
      #define GEMV_MMA_WARPS 8
      #define GEMV_MMA_UNROLL 8
      #define GEMV_MMA_LOAD 1
      #define GEMV_MMA_THREADS (32 * GEMV_MMA_WARPS)

      extern "C" __global__ void __launch_bounds__(GEMV_MMA_THREADS) kj_gemv_mma_wbf16_xf32_of32(float* out, const float* x, const __nv_bfloat16* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_mma<float, __nv_bfloat16, float, GEMV_MMA_TILES, GEMV_MMA_WARPS, GEMV_MMA_UNROLL, GEMV_MMA_LOAD>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_MMA_THREADS) kj_gemv_mma_wbf16_xf32_obf16(__nv_bfloat16* out, const float* x, const __nv_bfloat16* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_mma<float, __nv_bfloat16, __nv_bfloat16, GEMV_MMA_TILES, GEMV_MMA_WARPS, GEMV_MMA_UNROLL, GEMV_MMA_LOAD>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_MMA_THREADS) kj_gemv_mma_wbf16_xbf16_of32(float* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_mma<__nv_bfloat16, __nv_bfloat16, float, GEMV_MMA_TILES, GEMV_MMA_WARPS, GEMV_MMA_UNROLL, GEMV_MMA_LOAD>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_MMA_THREADS) kj_gemv_mma_wbf16_xbf16_obf16(__nv_bfloat16* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_mma<__nv_bfloat16, __nv_bfloat16, __nv_bfloat16, GEMV_MMA_TILES, GEMV_MMA_WARPS, GEMV_MMA_UNROLL, GEMV_MMA_LOAD>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_MMA_THREADS) kj_gemv_mma_wf16_xf32_of32(float* out, const float* x, const __half* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_mma<float, __half, float, GEMV_MMA_TILES, GEMV_MMA_WARPS, GEMV_MMA_UNROLL, GEMV_MMA_LOAD>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_MMA_THREADS) kj_gemv_mma_wf16_xf32_of16(__half* out, const float* x, const __half* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_mma<float, __half, __half, GEMV_MMA_TILES, GEMV_MMA_WARPS, GEMV_MMA_UNROLL, GEMV_MMA_LOAD>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_MMA_THREADS) kj_gemv_mma_wf16_xf16_of32(float* out, const __half* x, const __half* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_mma<__half, __half, float, GEMV_MMA_TILES, GEMV_MMA_WARPS, GEMV_MMA_UNROLL, GEMV_MMA_LOAD>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_MMA_THREADS) kj_gemv_mma_wf16_xf16_of16(__half* out, const __half* x, const __half* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_mma<__half, __half, __half, GEMV_MMA_TILES, GEMV_MMA_WARPS, GEMV_MMA_UNROLL, GEMV_MMA_LOAD>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_THREADS) kj_gemv_simt_wbf16_xf32_of32(float* out, const float* x, const __nv_bfloat16* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_simt<float, __nv_bfloat16, float>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_THREADS) kj_gemv_simt_wbf16_xf32_obf16(__nv_bfloat16* out, const float* x, const __nv_bfloat16* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_simt<float, __nv_bfloat16, __nv_bfloat16>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_THREADS) kj_gemv_simt_wbf16_xbf16_of32(float* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_simt<__nv_bfloat16, __nv_bfloat16, float>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_THREADS) kj_gemv_simt_wbf16_xbf16_obf16(__nv_bfloat16* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_simt<__nv_bfloat16, __nv_bfloat16, __nv_bfloat16>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_THREADS) kj_gemv_simt_wf16_xf32_of32(float* out, const float* x, const __half* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_simt<float, __half, float>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_THREADS) kj_gemv_simt_wf16_xf32_of16(__half* out, const float* x, const __half* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_simt<float, __half, __half>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_THREADS) kj_gemv_simt_wf16_xf16_of32(float* out, const __half* x, const __half* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_simt<__half, __half, float>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_THREADS) kj_gemv_simt_wf16_xf16_of16(__half* out, const __half* x, const __half* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_simt<__half, __half, __half>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      extern "C" __global__ void __launch_bounds__(GEMV_THREADS) kj_gemv_simt_wf32_xf32_of32(float* out, const float* x, const float* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) { kjgemv::gemv_simt<float, float, float>(out, x, w, rows, n, k, ldx, ldw, ldo); }
      """)
  public interface Cuda {
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
   * Whether a kernel exists for (x, w, out) dtypes: w any float type; x and out f32 or w's type.
   */
  public static boolean supports(DType x, DType w, DType out) {
    if (!DTypes.isFloating(w)) {
      return false;
    }
    return (x == DType.F32 || x == w) && (out == DType.F32 || out == w);
  }

  /**
   * {@code out[rows, n] = x[rows, k] . w[n, k]^T} for {@code 1 <= rows <= 8}; rows of x, w, out are
   * {@code ldx}, {@code ldw}, {@code ldo} elements apart.
   */
  public static void gemv(
      Cuda k,
      StreamRef stream,
      DType xType,
      DType wType,
      DType outType,
      long out,
      long x,
      long w,
      int rows,
      int n,
      int kk,
      long ldx,
      long ldw,
      long ldo) {
    if (!supports(xType, wType, outType)) {
      throw new OpArgumentException(
          "gemv",
          "dtypes",
          "x "
              + xType
              + ", w "
              + wType
              + ", out "
              + outType
              + " not supported; w f32/f16/bf16, x and out f32 or w's dtype");
    }
    if (rows < 1 || rows > MAX_ROWS) {
      throw new OpArgumentException(
          "gemv", "x", "has " + rows + " rows; the GEMV kernel takes 1 to " + MAX_ROWS);
    }
    LaunchMath.requireNonNegative("gemv", "n", n);
    LaunchMath.requireNonNegative("gemv", "k", kk);
    if (ldx < kk || ldw < kk || ldo < n) {
      throw new OpArgumentException(
          "gemv",
          "row strides",
          "(x "
              + ldx
              + ", w "
              + ldw
              + ", out "
              + ldo
              + ") shorter than rows (k "
              + kk
              + ", n "
              + n
              + ")");
    }
    LaunchMath.requireAddress("gemv", "out", out, outType);
    LaunchMath.requireAddress("gemv", "x", x, xType);
    LaunchMath.requireAddress("gemv", "w", w, wType);
    if (n == 0) {
      return;
    }
    if (usesTensorCores(wType, kk, ldx, ldw, x, w)) {
      Launch l =
          Launch.grid(Launch.blocksFor(n, GemvSource.MMA_ROWS_PER_BLOCK))
              .block(GemvSource.MMA_THREADS)
              .on(stream);
      launchTensorCore(k, l, xType, wType, outType, out, x, w, rows, n, kk, ldx, ldw, ldo);
    } else {
      Launch l =
          Launch.grid(Launch.blocksFor(n, GemvSource.SIMT_ROWS_PER_BLOCK))
              .block(GemvSource.SIMT_THREADS)
              .on(stream);
      launchCudaCore(k, l, xType, wType, outType, out, x, w, rows, n, kk, ldx, ldw, ldo);
    }
  }

  /**
   * Whether a call takes the tensor-core kernel: half-precision weights, and every 8-element chunk
   * of a row of w and x starts on a 16-byte boundary (k, both strides multiples of 8, bases 16-byte
   * aligned). Element sizes of 2 or 4 bytes make that the whole condition.
   */
  static boolean usesTensorCores(DType wType, int k, long ldx, long ldw, long x, long w) {
    boolean halfWeights = wType == DType.BF16 || wType == DType.F16;
    return halfWeights && k % 8 == 0 && ldx % 8 == 0 && ldw % 8 == 0 && x % 16 == 0 && w % 16 == 0;
  }

  private static void launchTensorCore(
      Cuda k,
      Launch l,
      DType xType,
      DType wType,
      DType outType,
      long out,
      long x,
      long w,
      int rows,
      int n,
      int kk,
      long ldx,
      long ldw,
      long ldo) {
    switch (wType.name() + "/" + xType.name() + "/" + outType.name()) {
      case "BF16/F32/F32" ->
          k.kj_gemv_mma_wbf16_xf32_of32(
              l,
              ptr(out, F32.class),
              cptr(x, F32.class),
              cptr(w, BF16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "BF16/F32/BF16" ->
          k.kj_gemv_mma_wbf16_xf32_obf16(
              l,
              ptr(out, BF16.class),
              cptr(x, F32.class),
              cptr(w, BF16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "BF16/BF16/F32" ->
          k.kj_gemv_mma_wbf16_xbf16_of32(
              l,
              ptr(out, F32.class),
              cptr(x, BF16.class),
              cptr(w, BF16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "BF16/BF16/BF16" ->
          k.kj_gemv_mma_wbf16_xbf16_obf16(
              l,
              ptr(out, BF16.class),
              cptr(x, BF16.class),
              cptr(w, BF16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "F16/F32/F32" ->
          k.kj_gemv_mma_wf16_xf32_of32(
              l,
              ptr(out, F32.class),
              cptr(x, F32.class),
              cptr(w, F16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "F16/F32/F16" ->
          k.kj_gemv_mma_wf16_xf32_of16(
              l,
              ptr(out, F16.class),
              cptr(x, F32.class),
              cptr(w, F16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "F16/F16/F32" ->
          k.kj_gemv_mma_wf16_xf16_of32(
              l,
              ptr(out, F32.class),
              cptr(x, F16.class),
              cptr(w, F16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "F16/F16/F16" ->
          k.kj_gemv_mma_wf16_xf16_of16(
              l,
              ptr(out, F16.class),
              cptr(x, F16.class),
              cptr(w, F16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      default ->
          throw new IllegalStateException(
              "no tensor-core GEMV for w " + wType + ", x " + xType + ", out " + outType);
    }
  }

  private static void launchCudaCore(
      Cuda k,
      Launch l,
      DType xType,
      DType wType,
      DType outType,
      long out,
      long x,
      long w,
      int rows,
      int n,
      int kk,
      long ldx,
      long ldw,
      long ldo) {
    switch (wType.name() + "/" + xType.name() + "/" + outType.name()) {
      case "BF16/F32/F32" ->
          k.kj_gemv_simt_wbf16_xf32_of32(
              l,
              ptr(out, F32.class),
              cptr(x, F32.class),
              cptr(w, BF16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "BF16/F32/BF16" ->
          k.kj_gemv_simt_wbf16_xf32_obf16(
              l,
              ptr(out, BF16.class),
              cptr(x, F32.class),
              cptr(w, BF16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "BF16/BF16/F32" ->
          k.kj_gemv_simt_wbf16_xbf16_of32(
              l,
              ptr(out, F32.class),
              cptr(x, BF16.class),
              cptr(w, BF16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "BF16/BF16/BF16" ->
          k.kj_gemv_simt_wbf16_xbf16_obf16(
              l,
              ptr(out, BF16.class),
              cptr(x, BF16.class),
              cptr(w, BF16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "F16/F32/F32" ->
          k.kj_gemv_simt_wf16_xf32_of32(
              l,
              ptr(out, F32.class),
              cptr(x, F32.class),
              cptr(w, F16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "F16/F32/F16" ->
          k.kj_gemv_simt_wf16_xf32_of16(
              l,
              ptr(out, F16.class),
              cptr(x, F32.class),
              cptr(w, F16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "F16/F16/F32" ->
          k.kj_gemv_simt_wf16_xf16_of32(
              l,
              ptr(out, F32.class),
              cptr(x, F16.class),
              cptr(w, F16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      case "F16/F16/F16" ->
          k.kj_gemv_simt_wf16_xf16_of16(
              l,
              ptr(out, F16.class),
              cptr(x, F16.class),
              cptr(w, F16.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
      default ->
          k.kj_gemv_simt_wf32_xf32_of32(
              l,
              ptr(out, F32.class),
              cptr(x, F32.class),
              cptr(w, F32.class),
              rows,
              n,
              kk,
              ldx,
              ldw,
              ldo);
    }
  }

  /**
   * Reference twin (also of the cuBLAS path): x rounded to w's dtype, f64 accumulation, one
   * rounding to {@code outType}; parallel over output columns when the work is large.
   */
  public static void matmulReference(
      DType wType,
      DType outType,
      float[] out,
      int outOff,
      int ldo,
      float[] x,
      int xOff,
      int ldx,
      float[] w,
      int wOff,
      int ldw,
      int rows,
      int n,
      int k) {
    float[] xr = new float[rows * k];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < k; c++) {
        xr[r * k + c] = DTypes.round(wType, x[xOff + r * ldx + c]);
      }
    }
    IntStream cols = IntStream.range(0, n);
    if ((long) rows * n * k > 1 << 20) {
      cols = cols.parallel();
    }
    cols.forEach(
        j -> {
          int wRow = wOff + j * ldw;
          for (int r = 0; r < rows; r++) {
            double s = 0;
            int xRow = r * k;
            for (int c = 0; c < k; c++) {
              s += (double) xr[xRow + c] * w[wRow + c];
            }
            out[outOff + r * ldo + j] = DTypes.round(outType, (float) s);
          }
        });
  }
}
