package dev.kernelj.runtime.blas;

import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.dsl.U8;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.DeviceBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * A cuBLASLt handle with its workspace: BF16 matrix products with F32 accumulation. For each shape
 * the descriptors and the heuristic's chosen algorithm are built once and kept (a plan), so
 * repeated products of one shape — an LLM's layers — cost one {@code cublasLtMatmul} call.
 * Column-major like cuBLAS; {@link #matmulRowMajor} applies the transposition described on {@link
 * Blas}.
 *
 * <p>Two kinds of plan: {@link #matmul} keys a plan by the whole shape, so the heuristic may choose
 * a different kernel (and a different summation order) for every column count — the fastest product
 * of each shape. {@link #matmulColumnInvariant} keys a plan by the shape without its column count
 * and pins one algorithm without a k split for all of them ({@link ColumnInvariantPlan}), so a
 * column's result does not depend on how many columns are multiplied with it: batch invariance for
 * an LLM whose tokens are the columns.
 */
public final class BlasLt implements AutoCloseable {
  /** 32 MiB, what NVIDIA recommends for Hopper. */
  public static final long DEFAULT_WORKSPACE_BYTES = 32L << 20;

  private record Shape(
      Transpose transA, Transpose transB, int m, int n, int k, int lda, int ldb, int ldc) {}

  private final CudaContext context;
  private final long handle;
  private final DeviceBuffer<U8> workspace;
  private final Map<Shape, LtPlan> plans = new HashMap<>();

  private record InvariantKey(ColumnInvariantGemm shape, int alignment, int planColumns) {}

  private final Map<InvariantKey, ColumnInvariantPlan> invariantPlans = new HashMap<>();
  private final Memory alpha = new Memory(4);
  private final Memory beta = new Memory(4);
  private boolean closed;

  private BlasLt(CudaContext context, long handle, DeviceBuffer<U8> workspace) {
    this.context = context;
    this.handle = handle;
    this.workspace = workspace;
  }

  public static BlasLt create(CudaContext context) {
    return create(context, DEFAULT_WORKSPACE_BYTES);
  }

  public static BlasLt create(CudaContext context, long workspaceBytes) {
    context.ensureCurrent();
    LongByReference h = new LongByReference();
    BlasLibraries.checkLt(BlasLibraries.lt().cublasLtCreate(h), "cublasLtCreate");
    return new BlasLt(context, h.getValue(), context.allocate(U8.class, workspaceBytes));
  }

  /**
   * Column-major BF16 {@code C = alpha·op(A)·op(B) + beta·C} ({@code C} is {@code m×n}), F32
   * accumulation, in order on {@code stream}.
   */
  public synchronized void matmul(
      Transpose transA,
      Transpose transB,
      int m,
      int n,
      int k,
      float alphaValue,
      ConstPtr<BF16> a,
      int lda,
      ConstPtr<BF16> b,
      int ldb,
      float betaValue,
      Ptr<BF16> c,
      int ldc,
      StreamRef stream) {
    if (closed) {
      throw new IllegalStateException("cuBLASLt handle is closed");
    }
    context.ensureCurrent();
    Shape shape = new Shape(transA, transB, m, n, k, lda, ldb, ldc);
    LtPlan plan = plans.get(shape);
    if (plan == null) {
      plan =
          LtPlan.create(
              handle, shape.transA, shape.transB, m, n, k, lda, ldb, ldc, workspace.byteSize());
      plans.put(shape, plan);
    }
    alpha.setFloat(0, alphaValue);
    beta.setFloat(0, betaValue);
    BlasLibraries.checkLt(
        BlasLibraries.lt()
            .cublasLtMatmul(
                handle,
                plan.desc(),
                alpha,
                a.address(),
                plan.aLayout(),
                b.address(),
                plan.bLayout(),
                beta,
                c.address(),
                plan.cLayout(),
                c.address(),
                plan.cLayout(),
                plan.algo(),
                workspace.address(),
                workspace.byteSize(),
                stream.streamHandle()),
        "cublasLtMatmul(m=" + m + ", n=" + n + ", k=" + k + ")");
  }

  /**
   * Column-major {@code C = op(A)·op(B)} ({@code C} is {@code m×n}, written, not accumulated) whose
   * column {@code j} has the same bits for every {@code n} and whatever the other columns of B
   * hold: one algorithm without a k split, chosen once per {@code shape} by asking cuBLASLt's
   * heuristic at {@code planColumns} columns (the column count whose speed matters most, e.g. the
   * decode batch an engine runs), then used for every {@code n} from 1 up, each new {@code n}
   * checked by {@code cublasLtMatmulAlgoCheck} before its first run. F32 compute; A and B of {@code
   * shape.abType()}, C of {@code shape.cType()}.
   *
   * @throws CublasException when cuBLASLt offers no such algorithm for the shape, or the pinned one
   *     cannot run {@code n} columns
   */
  public synchronized void matmulColumnInvariant(
      ColumnInvariantGemm shape,
      int n,
      ConstPtr<?> a,
      ConstPtr<?> b,
      Ptr<?> c,
      int planColumns,
      StreamRef stream) {
    if (closed) {
      throw new IllegalStateException("cuBLASLt handle is closed");
    }
    if (n < 1 || planColumns < 1) {
      throw new IllegalArgumentException(
          "batch-invariant GEMM: n " + n + " and planColumns " + planColumns + " must be >= 1");
    }
    if (shape.transB() == Transpose.T && shape.ldb() < n) {
      throw new IllegalArgumentException(
          "batch-invariant GEMM: ldb " + shape.ldb() + " < n " + n + " for a transposed B");
    }
    int alignment = shape.alignmentOf(a.address(), b.address(), c.address());
    context.ensureCurrent();
    ColumnInvariantPlan plan =
        invariantPlans.computeIfAbsent(
            new InvariantKey(shape, alignment, planColumns),
            key -> ColumnInvariantPlan.create(handle, shape, alignment, planColumns));
    alpha.setFloat(0, 1f);
    beta.setFloat(0, 0f);
    plan.matmul(
        handle,
        n,
        alpha,
        a.address(),
        b.address(),
        beta,
        c.address(),
        workspace.address(),
        stream.streamHandle());
  }

  /** Row-major {@code C[M×N] = alpha·op(A)·op(B) + beta·C}; leading dimensions are row lengths. */
  public void matmulRowMajor(
      Transpose transA,
      Transpose transB,
      int m,
      int n,
      int k,
      float alphaValue,
      ConstPtr<BF16> a,
      int lda,
      ConstPtr<BF16> b,
      int ldb,
      float betaValue,
      Ptr<BF16> c,
      int ldc,
      StreamRef stream) {
    matmul(transB, transA, n, m, k, alphaValue, b, ldb, a, lda, betaValue, c, ldc, stream);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    context.ensureCurrent();
    plans.values().forEach(LtPlan::close);
    plans.clear();
    invariantPlans.values().forEach(ColumnInvariantPlan::close);
    invariantPlans.clear();
    BlasLibraries.checkLt(BlasLibraries.lt().cublasLtDestroy(handle), "cublasLtDestroy");
    workspace.close();
    alpha.close();
    beta.close();
  }

  /** The descriptors and chosen algorithm for one shape. */
  private record LtPlan(
      long desc, long aLayout, long bLayout, long cLayout, long preference, Memory heuristic) {
    Memory algo() {
      return heuristic;
    }

    static LtPlan create(
        long handle,
        Transpose transA,
        Transpose transB,
        int m,
        int n,
        int k,
        int lda,
        int ldb,
        int ldc,
        long workspaceBytes) {
      CublasLtLibrary lt = BlasLibraries.lt();
      LongByReference ref = new LongByReference();
      BlasLibraries.checkLt(
          lt.cublasLtMatmulDescCreate(
              ref, BlasConstants.CUBLAS_COMPUTE_32F, BlasConstants.CUDA_R_32F),
          "cublasLtMatmulDescCreate");
      long desc = ref.getValue();
      try (Memory op = new Memory(4)) {
        op.setInt(0, transA.op());
        BlasLibraries.checkLt(
            lt.cublasLtMatmulDescSetAttribute(
                desc, BlasConstants.CUBLASLT_MATMUL_DESC_TRANSA, op, 4),
            "cublasLtMatmulDescSetAttribute(TRANSA)");
        op.setInt(0, transB.op());
        BlasLibraries.checkLt(
            lt.cublasLtMatmulDescSetAttribute(
                desc, BlasConstants.CUBLASLT_MATMUL_DESC_TRANSB, op, 4),
            "cublasLtMatmulDescSetAttribute(TRANSB)");
      }
      // Stored shapes: op(A) is m×k, so A is stored m×k (N) or k×m (T); likewise B.
      long aLayout = layout(lt, transA == Transpose.N ? m : k, transA == Transpose.N ? k : m, lda);
      long bLayout = layout(lt, transB == Transpose.N ? k : n, transB == Transpose.N ? n : k, ldb);
      long cLayout = layout(lt, m, n, ldc);
      BlasLibraries.checkLt(
          lt.cublasLtMatmulPreferenceCreate(ref), "cublasLtMatmulPreferenceCreate");
      long preference = ref.getValue();
      try (Memory ws = new Memory(8)) {
        ws.setLong(0, workspaceBytes);
        BlasLibraries.checkLt(
            lt.cublasLtMatmulPreferenceSetAttribute(
                preference, BlasConstants.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, ws, 8),
            "cublasLtMatmulPreferenceSetAttribute(MAX_WORKSPACE_BYTES)");
      }
      Memory heuristic = new Memory(BlasConstants.HEURISTIC_RESULT_BYTES);
      heuristic.clear();
      IntByReference found = new IntByReference();
      BlasLibraries.checkLt(
          lt.cublasLtMatmulAlgoGetHeuristic(
              handle, desc, aLayout, bLayout, cLayout, cLayout, preference, 1, heuristic, found),
          "cublasLtMatmulAlgoGetHeuristic(m=" + m + ", n=" + n + ", k=" + k + ")");
      if (found.getValue() < 1) {
        throw new CublasException(
            15,
            "CUBLAS_STATUS_NOT_SUPPORTED",
            "cublasLtMatmulAlgoGetHeuristic found no algorithm for BF16 m="
                + m
                + ", n="
                + n
                + ", k="
                + k);
      }
      return new LtPlan(desc, aLayout, bLayout, cLayout, preference, heuristic);
    }

    private static long layout(CublasLtLibrary lt, long rows, long cols, long ld) {
      LongByReference ref = new LongByReference();
      BlasLibraries.checkLt(
          lt.cublasLtMatrixLayoutCreate(ref, BlasConstants.CUDA_R_16BF, rows, cols, ld),
          "cublasLtMatrixLayoutCreate(" + rows + "x" + cols + ", ld " + ld + ")");
      return ref.getValue();
    }

    void close() {
      CublasLtLibrary lt = BlasLibraries.lt();
      lt.cublasLtMatrixLayoutDestroy(aLayout);
      lt.cublasLtMatrixLayoutDestroy(bLayout);
      lt.cublasLtMatrixLayoutDestroy(cLayout);
      lt.cublasLtMatmulDescDestroy(desc);
      lt.cublasLtMatmulPreferenceDestroy(preference);
      heuristic.close();
    }
  }
}
