package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Tensor;
import java.util.stream.IntStream;

/**
 * Skinny matmul for decode: {@code out[r, j] = sum_k x[r, k] * w[j, k]} for 1 to 8 rows of x and a
 * row-major weight {@code w [n, k]} (a Hugging Face linear layer's {@code [out_features,
 * in_features]}). Semantics shared with the cuBLAS path and the reference: x is first rounded to
 * the weight dtype, products accumulate in f32 (f64 in the reference), the sum is rounded once to
 * the output dtype.
 *
 * <p>Two kernels, picked per call by {@link #gemv}: half-precision weights with k a multiple of 8
 * and 16-byte aligned rows take the tensor-core kernel ({@code kj_gemv_mma}: one 16-byte weight
 * load serves all rows of x through {@code mma.sync}, see {@link GemvSource}); everything else (f32
 * weights, odd k, unaligned views) takes the CUDA-core kernel ({@code kj_gemv_simt}). Both add the
 * partial sums of a block in a fixed order, so a result does not vary from run to run. Measured
 * figures and the variants tried are in {@code src/test/cuda/GEMV_NOTES.md}.
 */
public final class Gemv {
  private Gemv() {}

  /** Most rows of x one launch takes. */
  public static final int MAX_ROWS = 8;

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
      GemvKernels.Cuda k,
      StreamRef stream,
      Tensor out,
      Tensor x,
      Tensor w,
      int rows,
      int n,
      int kk,
      long ldx,
      long ldw,
      long ldo) {
    DType xType = x.dtype();
    DType wType = w.dtype();
    DType outType = out.dtype();
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
    LaunchMath.requireAddress("gemv", "out", out);
    LaunchMath.requireAddress("gemv", "x", x);
    LaunchMath.requireAddress("gemv", "w", w);
    if (n == 0) {
      return;
    }
    if (usesTensorCores(wType, kk, ldx, ldw, x.address(), w.address())) {
      Launch l =
          Launch.grid(Launch.blocksFor(n, GemvSource.MMA_ROWS_PER_BLOCK))
              .block(GemvSource.MMA_THREADS)
              .on(stream);
      GemvKernels.TENSOR_CORE
          .get(xType, wType, outType)
          .launch(k, l, out, x, w, rows, n, kk, ldx, ldw, ldo);
    } else {
      Launch l =
          Launch.grid(Launch.blocksFor(n, GemvSource.SIMT_ROWS_PER_BLOCK))
              .block(GemvSource.SIMT_THREADS)
              .on(stream);
      GemvKernels.CUDA_CORE
          .get(xType, wType, outType)
          .launch(k, l, out, x, w, rows, n, kk, ldx, ldw, ldo);
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
    // Four columns a pass over each row of x: four independent chains of f64 additions keep the
    // adder busy where one would wait on its own latency. Each output is still its own sum in
    // index order, so the results do not depend on the grouping.
    IntStream quads = IntStream.range(0, (n + 3) / 4);
    if ((long) rows * n * k > 1 << 20) {
      quads = quads.parallel();
    }
    quads.forEach(
        quad -> {
          int j0 = 4 * quad;
          if (j0 + 4 > n) {
            for (int j = j0; j < n; j++) {
              int wRow = wOff + j * ldw;
              for (int r = 0; r < rows; r++) {
                double s = 0;
                int xRow = r * k;
                for (int c = 0; c < k; c++) {
                  s += (double) xr[xRow + c] * w[wRow + c];
                }
                out[outOff + r * ldo + j] = DTypes.round(outType, (float) s);
              }
            }
            return;
          }
          int w0 = wOff + j0 * ldw;
          int w1 = w0 + ldw;
          int w2 = w1 + ldw;
          int w3 = w2 + ldw;
          for (int r = 0; r < rows; r++) {
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            int xRow = r * k;
            for (int c = 0; c < k; c++) {
              double v = xr[xRow + c];
              s0 += v * w[w0 + c];
              s1 += v * w[w1 + c];
              s2 += v * w[w2 + c];
              s3 += v * w[w3 + c];
            }
            int o = outOff + r * ldo + j0;
            out[o] = DTypes.round(outType, (float) s0);
            out[o + 1] = DTypes.round(outType, (float) s1);
            out[o + 2] = DTypes.round(outType, (float) s2);
            out[o + 3] = DTypes.round(outType, (float) s3);
          }
        });
  }
}
