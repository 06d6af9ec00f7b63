package dev.kernelj.runtime.blas;

import dev.kernelj.dsl.DType;
import java.util.Objects;

/**
 * A column-major product {@code C[m×n] = op(A)[m×k]·op(B)[k×n]} described without its column count
 * {@code n}: the key of a {@link BlasLt#matmulColumnInvariant} plan. Column {@code j} of C depends
 * only on column {@code j} of op(B); a plan made for this key runs every {@code n} with one pinned
 * algorithm, so column {@code j} gets the same bits whatever {@code n} is and whatever the other
 * columns hold. (A row-major linear layer {@code out[M×N] = x[M×K]·w[N×K]ᵀ} is this with {@code m =
 * N}, {@code n = M}: each token is a column.)
 *
 * <p>The plan also depends on the operands' alignment ({@link #alignmentOf}), because cuBLASLt's
 * kernels do: a layer whose buffers keep their alignment from step to step (any buffer from the
 * allocator is 256-byte aligned; rows of a multiple of 8 bf16 keep every row 16-byte aligned)
 * always meets the same plan, whatever its batch.
 */
public record ColumnInvariantGemm(
    Transpose transA,
    Transpose transB,
    int m,
    int k,
    int lda,
    int ldb,
    int ldc,
    DType abType,
    DType cType) {
  public ColumnInvariantGemm {
    Objects.requireNonNull(transA, "transA");
    Objects.requireNonNull(transB, "transB");
    if (m < 1 || k < 1) {
      throw new IllegalArgumentException("batch-invariant GEMM: m " + m + " and k " + k + " >= 1");
    }
    if (abType != DType.F32 && abType != DType.F16 && abType != DType.BF16) {
      throw new IllegalArgumentException(
          "batch-invariant GEMM takes F32, F16 or BF16 A and B, not " + abType);
    }
    if (cType != abType && cType != DType.F32) {
      throw new IllegalArgumentException(
          "batch-invariant GEMM writes C in A's type or F32, not " + cType + " for " + abType);
    }
    int aRows = transA == Transpose.N ? m : k;
    if (lda < aRows || ldb < (transB == Transpose.N ? k : 1) || ldc < m) {
      throw new IllegalArgumentException(
          "batch-invariant GEMM: leading dimensions (lda "
              + lda
              + ", ldb "
              + ldb
              + ", ldc "
              + ldc
              + ") shorter than the stored columns for m "
              + m
              + ", k "
              + k);
    }
  }

  /**
   * The largest power of two, at most 16, that divides the three addresses and every leading
   * dimension in bytes (16 bytes is what cuBLASLt's vectorised kernels need; less selects kernels
   * that load narrower pieces).
   */
  public int alignmentOf(long a, long b, long c) {
    long bits = 16 | a | b | c;
    bits |= (long) lda * abType.byteSize() | (long) ldb * abType.byteSize();
    bits |= (long) ldc * cType.byteSize();
    return (int) Long.lowestOneBit(bits);
  }

  /** Rows and columns of A as stored (before op). */
  long[] storedA() {
    return transA == Transpose.N ? new long[] {m, k} : new long[] {k, m};
  }

  /** Rows and columns of B as stored, for {@code n} columns of op(B). */
  long[] storedB(int n) {
    return transB == Transpose.N ? new long[] {k, n} : new long[] {n, k};
  }

  /** The compute type: f32 accumulation (for f32 inputs without TF32). */
  int computeType() {
    return BlasConstants.CUBLAS_COMPUTE_32F;
  }
}
