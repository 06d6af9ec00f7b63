package dev.kernelj.ops.cuda.runtime;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.ops.kernels.GemmCall;
import dev.kernelj.runtime.blas.Blas;
import dev.kernelj.runtime.blas.BlasLt;
import dev.kernelj.runtime.blas.ColumnInvariantGemm;
import dev.kernelj.runtime.blas.Transpose;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.CudaStream;

/**
 * Runs {@link GemmCall}s on one stream: bf16 products with bf16 output and aligned operands through
 * cuBLASLt (whose per-shape plans keep the heuristic's choice), everything else through {@code
 * cublasGemmEx}. Both handles are made at the first GEMM, not when the port opens, so that a
 * machine without libcublas can still run every other op.
 */
final class RuntimeGemm implements AutoCloseable {
  private final CudaContext context;
  private final CudaStream stream;
  private Blas blas;
  private BlasLt lt;

  RuntimeGemm(CudaContext context, CudaStream stream) {
    this.context = context;
    this.stream = stream;
  }

  synchronized void run(GemmCall c) {
    Transpose ta = c.transA() ? Transpose.T : Transpose.N;
    Transpose tb = c.transB() ? Transpose.T : Transpose.N;
    int lda = leading("lda", c.lda());
    int ldb = leading("ldb", c.ldb());
    int ldc = leading("ldc", c.ldc());
    if (suitsLt(c)) {
      lt().matmul(
              ta,
              tb,
              c.m(),
              c.n(),
              c.k(),
              c.alpha(),
              ConstPtr.ofAddress(c.a(), BF16.class),
              lda,
              ConstPtr.ofAddress(c.b(), BF16.class),
              ldb,
              c.beta(),
              Ptr.ofAddress(c.c(), BF16.class),
              ldc,
              stream);
      return;
    }
    blas()
        .gemm(
            ta,
            tb,
            c.m(),
            c.n(),
            c.k(),
            c.alpha(),
            constPtr(c.a(), c.abType().marker()),
            lda,
            constPtr(c.b(), c.abType().marker()),
            ldb,
            c.beta(),
            ptr(c.c(), c.cType().marker()),
            ldc);
  }

  /**
   * The batch-invariant product through {@link BlasLt#matmulColumnInvariant}: every column count,
   * any alignment, f32/f16/bf16 operands, C in their type or f32.
   */
  synchronized void runBatchInvariant(GemmCall c, int planColumns) {
    if (c.alpha() != 1f || c.beta() != 0f) {
      throw new IllegalArgumentException(
          "batch-invariant gemm computes C = op(A) op(B): alpha "
              + c.alpha()
              + " and beta "
              + c.beta()
              + " must be 1 and 0");
    }
    var shape =
        new ColumnInvariantGemm(
            c.transA() ? Transpose.T : Transpose.N,
            c.transB() ? Transpose.T : Transpose.N,
            c.m(),
            c.k(),
            leading("lda", c.lda()),
            leading("ldb", c.ldb()),
            leading("ldc", c.ldc()),
            c.abType(),
            c.cType());
    lt().matmulColumnInvariant(
            shape,
            c.n(),
            constPtr(c.a(), c.abType().marker()),
            constPtr(c.b(), c.abType().marker()),
            ptr(c.c(), c.cType().marker()),
            planColumns,
            stream);
  }

  /** cuBLASLt's fast kernels want 16-byte aligned operands and leading dimensions of 8 elements. */
  private static boolean suitsLt(GemmCall c) {
    return c.abType() == DType.BF16
        && c.cType() == DType.BF16
        && c.lda() % 8 == 0
        && c.ldb() % 8 == 0
        && c.ldc() % 8 == 0
        && (c.a() | c.b() | c.c()) % 16 == 0;
  }

  private Blas blas() {
    if (blas == null) {
      Blas b = Blas.create(context);
      b.setStream(stream);
      blas = b;
    }
    return blas;
  }

  private BlasLt lt() {
    if (lt == null) {
      lt = BlasLt.create(context);
      // The workspace is allocated in order on the legacy stream; our stream does not wait for that
      // one.
      context.synchronize();
    }
    return lt;
  }

  private static int leading(String name, long value) {
    if (value < 1 || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "gemm: " + name + " = " + value + " does not fit cuBLAS's int leading dimension");
    }
    return (int) value;
  }

  private static <T extends Element> ConstPtr<T> constPtr(long address, Class<T> element) {
    return ConstPtr.ofAddress(address, element);
  }

  private static <T extends Element> Ptr<T> ptr(long address, Class<T> element) {
    return Ptr.ofAddress(address, element);
  }

  @Override
  public synchronized void close() {
    RuntimeException first = null;
    if (lt != null) {
      try {
        lt.close();
      } catch (RuntimeException e) {
        first = e;
      }
      lt = null;
    }
    if (blas != null) {
      try {
        blas.close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
      blas = null;
    }
    if (first != null) {
      throw first;
    }
  }
}
