package dev.kernelj.runtime.blas;

import com.sun.jna.Memory;
import com.sun.jna.ptr.LongByReference;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.runtime.cuda.CudaContext;

/**
 * A cuBLAS handle bound to one context and stream: {@code cublasGemmEx} for F32, F16 and BF16
 * matrices with F32 accumulation ({@code CUBLAS_COMPUTE_32F}). Not thread-safe, like the handle.
 *
 * <h2>Row-major callers</h2>
 *
 * cuBLAS is column-major. A row-major {@code M×N} matrix is, byte for byte, the column-major {@code
 * N×M} matrix of its transpose. So the row-major product {@code C = op(A)·op(B)} is computed as the
 * column-major {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}: swap the operands, swap M and N, keep the transpose
 * flags and leading dimensions (a row-major leading dimension is the row length). {@link
 * #gemmRowMajor} does exactly that.
 */
public final class Blas implements AutoCloseable {
  private final CudaContext context;
  private final long handle;
  private final Memory alpha = new Memory(4);
  private final Memory beta = new Memory(4);
  private boolean closed;

  private Blas(CudaContext context, long handle) {
    this.context = context;
    this.handle = handle;
  }

  /** A handle in {@code context}, on the legacy default stream. */
  public static Blas create(CudaContext context) {
    context.ensureCurrent();
    LongByReference h = new LongByReference();
    BlasLibraries.check(BlasLibraries.cublas().cublasCreate_v2(h), "cublasCreate_v2");
    return new Blas(context, h.getValue());
  }

  /** Queues later calls on {@code stream}. */
  public void setStream(StreamRef stream) {
    BlasLibraries.check(
        BlasLibraries.cublas().cublasSetStream_v2(handle(), stream.streamHandle()),
        "cublasSetStream_v2");
  }

  /**
   * Column-major {@code C = alpha·op(A)·op(B) + beta·C}, {@code C} being {@code m×n} and the inner
   * dimension {@code k}. Element types come from the pointers (F32, F16 or BF16; A and B alike);
   * accumulation is F32.
   */
  public synchronized void gemm(
      Transpose transA,
      Transpose transB,
      int m,
      int n,
      int k,
      float alphaValue,
      ConstPtr<?> a,
      int lda,
      ConstPtr<?> b,
      int ldb,
      float betaValue,
      Ptr<?> c,
      int ldc) {
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException(
          "A and B must have one element type, got " + a.dtype() + " and " + b.dtype());
    }
    context.ensureCurrent();
    alpha.setFloat(0, alphaValue);
    beta.setFloat(0, betaValue);
    int ab = BlasConstants.dataType(a.dtype());
    int ct = BlasConstants.dataType(c.dtype());
    BlasLibraries.check(
        BlasLibraries.cublas()
            .cublasGemmEx(
                handle(),
                transA.op(),
                transB.op(),
                m,
                n,
                k,
                alpha,
                a.address(),
                ab,
                lda,
                b.address(),
                ab,
                ldb,
                beta,
                c.address(),
                ct,
                ldc,
                BlasConstants.CUBLAS_COMPUTE_32F,
                BlasConstants.CUBLAS_GEMM_DEFAULT),
        "cublasGemmEx(m="
            + m
            + ", n="
            + n
            + ", k="
            + k
            + ", "
            + a.dtype()
            + "->"
            + c.dtype()
            + ")");
  }

  /**
   * Row-major {@code C[M×N] = alpha·op(A)·op(B) + beta·C}, leading dimensions being row lengths
   * (e.g. {@code lda = K} for an untransposed {@code M×K} A). See the class comment.
   */
  public void gemmRowMajor(
      Transpose transA,
      Transpose transB,
      int m,
      int n,
      int k,
      float alphaValue,
      ConstPtr<?> a,
      int lda,
      ConstPtr<?> b,
      int ldb,
      float betaValue,
      Ptr<?> c,
      int ldc) {
    gemm(transB, transA, n, m, k, alphaValue, b, ldb, a, lda, betaValue, c, ldc);
  }

  private long handle() {
    if (closed) {
      throw new IllegalStateException("cuBLAS handle is closed");
    }
    return handle;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      context.ensureCurrent();
      BlasLibraries.check(BlasLibraries.cublas().cublasDestroy_v2(handle), "cublasDestroy_v2");
      alpha.close();
      beta.close();
    }
  }
}
