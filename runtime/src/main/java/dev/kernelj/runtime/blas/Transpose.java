package dev.kernelj.runtime.blas;

/** Whether a GEMM operand is used as stored ({@link #N}) or transposed ({@link #T}). */
public enum Transpose {
  N(BlasConstants.CUBLAS_OP_N),
  T(BlasConstants.CUBLAS_OP_T);

  private final int op;

  Transpose(int op) {
    this.op = op;
  }

  /** The {@code cublasOperation_t} value. */
  public int op() {
    return op;
  }
}
