package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.invariant.InvariantGemm;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The batch-invariant matmul of {@link CudaOps}: every weight meets one summation order for every
 * row count, so the bits of a row never depend on the batch. Three ways to get there, chosen by
 * {@code -Dkernelj.invariantGemm}:
 *
 * <ul>
 *   <li>{@code shared} (the default): our GEMM ({@link InvariantGemm}) with k unsplit up to {@code
 *       fewRows} rows (16), one pinned cuBLASLt algorithm without a k split above. The two give the
 *       same bits: measured on an H200 for every projection of Llama-3-8B and Llama-3.2-1B at 1 to
 *       256 rows ({@code InvariantGemmProbe}), and checked here at the first call of each weight
 *       shape, which computes its first rows both ways; a shape where they differ (another GPU or
 *       library), or whose first call comes inside a graph capture, runs the pinned algorithm for
 *       every row count. Our few-row tiles are the faster at 1-16 rows, cuBLASLt from a few dozen
 *       (H200, BENCHMARKS.md).
 *   <li>{@code cublaslt}: the pinned cuBLASLt algorithm for every row count.
 *   <li>{@code own}: our GEMM for every row count, k split by the weight's shape: close to the GEMV
 *       at few rows, 1.5–3x cuBLASLt from 128 rows.
 * </ul>
 *
 * <p>Operands our GEMM does not take (f32 x, k not a multiple of 64, unaligned rows) run the pinned
 * cuBLASLt algorithm for every row count in every mode. For probes, {@code
 * -Dkernelj.invariantGemm.splits=N} fixes our GEMM's split of k and {@code
 * -Dkernelj.invariantGemm.fewRows=N} moves the crossover of {@code shared}.
 */
public final class InvariantMatmulOps {
  /** Rows of x up to which a shape whose order cuBLASLt shares runs our GEMM ({@code shared}). */
  static final int DEFAULT_FEW_ROWS = 16;

  /** Rows compared by the first call of a shape. */
  static final int CHECKED_ROWS = 8;

  /** How a weight shape is multiplied in this mode, decided by its first call. */
  enum Order {
    /** k unsplit: our GEMM up to fewRows rows, the pinned cuBLASLt algorithm above. */
    SHARED_WITH_CUBLASLT,
    /** Our GEMM for every row count, k split by the weight's shape. */
    OWN,
    /** The pinned cuBLASLt algorithm for every row count. */
    CUBLASLT
  }

  private record ShapeKey(int n, int k, long ldw, DType x, DType out) {}

  private final CudaOps ops;
  private final LoadedKernels kernels;
  private final DeviceScratch scratch;
  private final StreamRef stream;
  private final int multiprocessors;
  private final String mode;
  private final int forcedSplits;
  private final int fewRows;
  private final Map<ShapeKey, Order> orders = new HashMap<>();

  InvariantMatmulOps(CudaOps ops, DevicePort port, LoadedKernels kernels, DeviceScratch scratch) {
    this.ops = ops;
    this.kernels = kernels;
    this.scratch = scratch;
    this.stream = port.stream();
    this.multiprocessors = port.multiprocessorCount();
    String op = "batch-invariant matmul";
    this.mode =
        TuningProperty.choice(
            op, "kernelj.invariantGemm", List.of("cublaslt", "own", "shared"), "shared");
    this.forcedSplits = TuningProperty.positiveInt(op, "kernelj.invariantGemm.splits", 0);
    this.fewRows =
        TuningProperty.positiveInt(op, "kernelj.invariantGemm.fewRows", DEFAULT_FEW_ROWS);
  }

  /**
   * {@code out[m, n] = x[m, k] · w[n, k]ᵀ} by our GEMM when this shape's order says so; false
   * (nothing launched) when the caller must run the pinned cuBLASLt algorithm.
   */
  boolean tryRun(Tensor out, Tensor x, Tensor w, int m, int n, int k) {
    if ("cublaslt".equals(mode)
        || !InvariantGemm.supports(
            x.dtype(),
            w.dtype(),
            out.dtype(),
            k,
            x.address(),
            x.rowStride(),
            w.address(),
            w.rowStride())) {
      return false;
    }
    ShapeKey key = new ShapeKey(n, k, w.rowStride(), x.dtype(), out.dtype());
    Order order = orders.get(key);
    if (order == null) {
      order = decide(out, x, w, m, n, k);
      orders.put(key, order);
    }
    if (order == Order.CUBLASLT) {
      return false;
    }
    if (order == Order.SHARED_WITH_CUBLASLT) {
      if (m > fewRows) {
        return false;
      }
      own(out, x, w, m, n, k, 1);
      return true;
    }
    int splits =
        forcedSplits > 0
            ? Math.min(forcedSplits, k / InvariantGemm.GRANULE)
            : InvariantGemm.splits(n, k, multiprocessors);
    own(out, x, w, m, n, k, splits);
    return true;
  }

  /**
   * The order of a new shape: shared with cuBLASLt when its first rows agree bit for bit, else the
   * pinned algorithm alone ({@code own}: our GEMM alone).
   */
  private Order decide(Tensor out, Tensor x, Tensor w, int m, int n, int k) {
    if ("own".equals(mode) || forcedSplits > 0) {
      return Order.OWN;
    }
    if (ops.capturing()) {
      return Order
          .CUBLASLT; // a capture cannot wait for a comparison; the engines run eagerly first
    }
    int rows = Math.min(m, CHECKED_ROWS);
    Tensor xs = x.slice(0, 0, rows);
    try (Tensor mine = ops.empty(out.dtype(), rows, n);
        Tensor theirs = ops.empty(out.dtype(), rows, n)) {
      own(mine, xs, w, rows, n, k, 1);
      ops.pinnedInvariantMatmul(theirs, xs, w, rows, n, k);
      float[] a = ops.toHost(mine).toFloatArray();
      float[] b = ops.toHost(theirs).toFloatArray();
      return Arrays.equals(a, b) ? Order.SHARED_WITH_CUBLASLT : Order.CUBLASLT;
    }
  }

  private void own(Tensor out, Tensor x, Tensor w, int m, int n, int k, int splits) {
    Tensor partials =
        splits == 1
            ? null
            : scratch.tensor(
                "invariant.partials", DType.F32, InvariantGemm.partialFloats(m, n, splits), false);
    InvariantGemm.run(
        kernels.invariantGemm(),
        stream,
        out,
        x,
        w,
        partials,
        m,
        n,
        k,
        x.rowStride(),
        w.rowStride(),
        out.rowStride(),
        splits);
  }
}
