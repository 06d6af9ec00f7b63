package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Tensor;

/**
 * Prefill matmul through cuBLAS: {@code out[m, n] = x[m, k] . w[n, k]^T} with row-major x, w and
 * out. cuBLAS is column-major, where a row-major {@code [r, c]} matrix with row stride {@code ld}
 * is a {@code c x r} matrix with leading dimension {@code ld}. So out^T (n x m) = W (n x k, which
 * is w read column-major and transposed) times x^T (k x m): {@code transA = T, A = w, lda = ldw;
 * transB = N, B = x, ldb = ldx; C = out, ldc = ldo}. The semantics (x in w's dtype, f32
 * accumulation, one rounding) are those of {@link Gemv}, whose reference twin serves both.
 */
public final class BlasMatmul {
  private BlasMatmul() {}

  /** cuBLAS takes A and B of one type: x must already be in w's dtype; out f32 or w's dtype. */
  public static boolean supports(DType x, DType w, DType out) {
    return DTypes.isFloating(w) && x == w && (out == w || out == DType.F32);
  }

  /** The column-major GEMM that computes the row-major product; checks sizes first. */
  public static GemmCall plan(
      Tensor out, Tensor x, Tensor w, int m, int n, int k, long ldx, long ldw, long ldo) {
    DType xType = x.dtype();
    DType wType = w.dtype();
    DType outType = out.dtype();
    if (!supports(xType, wType, outType)) {
      throw new OpArgumentException(
          "matmul",
          "dtypes",
          "x "
              + xType
              + ", w "
              + wType
              + ", out "
              + outType
              + " not supported by cuBLAS; x must have w's dtype, out f32 or w's dtype");
    }
    LaunchMath.requireNonNegative("matmul", "m", m);
    LaunchMath.requireNonNegative("matmul", "n", n);
    LaunchMath.requireNonNegative("matmul", "k", k);
    if (ldx < Math.max(1, k) || ldw < Math.max(1, k) || ldo < Math.max(1, n)) {
      throw new OpArgumentException(
          "matmul",
          "row strides",
          "(x "
              + ldx
              + ", w "
              + ldw
              + ", out "
              + ldo
              + ") shorter than rows (k "
              + k
              + ", n "
              + n
              + ")");
    }
    LaunchMath.requireAddress("matmul", "out", out);
    LaunchMath.requireAddress("matmul", "x", x);
    LaunchMath.requireAddress("matmul", "w", w);
    // cuBLAS takes raw device pointers: the addresses leave the typed world here, checked above.
    return new GemmCall(
        true,
        false,
        n,
        m,
        k,
        wType,
        w.address(),
        ldw,
        x.address(),
        ldx,
        outType,
        out.address(),
        ldo,
        1f,
        0f);
  }
}
