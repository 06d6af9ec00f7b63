package dev.kernelj.ops.backend;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.BlasMatmul;
import dev.kernelj.ops.kernels.quant.QuantGemm;
import dev.kernelj.ops.kernels.quant.QuantGemmKernels;
import dev.kernelj.ops.kernels.quant.QuantGemmPlan;
import dev.kernelj.ops.kernels.quant.QuantGeometry;
import dev.kernelj.ops.kernels.quant.QuantMatmulChecks;

/**
 * The CUDA backend's quantized matmul. Act-order weights first gather x into their packed input
 * order (scratch). Up to {@link #denseFromRows} rows run the mixed-input GEMM, 64 rows per launch;
 * from there on the weight is dequantized, a slice of rows at a time into a scratch of at most
 * {@value #DENSE_SCRATCH_BYTES} bytes, and multiplied by cuBLAS, which wins once the tensor cores
 * rather than the weight stream bound the time. The crossover is a measured figure ({@code
 * QuantGemmBench}); {@code -Dkernelj.quant.denseFromRows=N} sets it.
 */
public final class CudaQuantizedMatmul implements AutoCloseable {
  /** Dense scratch per slice of rows (64 MiB: 8192 rows of 4096 bf16). */
  static final long DENSE_SCRATCH_BYTES = 64L << 20;

  private final CudaOps ops;
  private final CudaDevicePort port;
  private final StreamRef stream;
  private final DeviceScratch scratch;
  private final int multiprocessors;
  private final int denseFromRows;
  private volatile QuantGemmKernels kernels;

  public CudaQuantizedMatmul(CudaOps ops) {
    this.ops = ops;
    this.port = ops.port();
    this.stream = port.stream();
    this.scratch = new DeviceScratch(port);
    this.multiprocessors = port.multiprocessorCount();
    this.denseFromRows = Integer.getInteger("kernelj.quant.denseFromRows", 128);
  }

  /** Rows of x from which the dequantize + cuBLAS path is taken. */
  public int denseFromRows() {
    return denseFromRows;
  }

  /** {@code out = x . W^T} by the path the row count picks. */
  public void run(Tensor out, Tensor x, QuantizedMatrix w) {
    QuantMatmulChecks.Rows rows = check(out, x, w);
    if (rows.m() >= denseFromRows) {
      dense(out, x, w, rows);
    } else {
      gemm(out, x, w, rows, 0);
    }
  }

  /** The mixed-input GEMM whatever the row count, k split {@code splits} ways (0: planned). */
  public void runGemm(Tensor out, Tensor x, QuantizedMatrix w, int splits) {
    gemm(out, x, w, check(out, x, w), splits);
  }

  /** Dequantize + cuBLAS whatever the row count. */
  public void runDense(Tensor out, Tensor x, QuantizedMatrix w) {
    dense(out, x, w, check(out, x, w));
  }

  private QuantMatmulChecks.Rows check(Tensor out, Tensor x, QuantizedMatrix w) {
    QuantMatmulChecks.Rows rows = QuantMatmulChecks.check(out, x, w);
    if (w.permuted()) {
      ops.device(
          "quantizedMatmul",
          "out,x,w codes,w meta,w input map",
          out,
          x,
          w.codes(),
          w.meta(),
          w.inputMap());
    } else {
      ops.device("quantizedMatmul", "out,x,w codes,w meta", out, x, w.codes(), w.meta());
    }
    if (x.dtype() != DType.BF16 && x.dtype() != DType.F16 || out.dtype() != x.dtype()) {
      throw new OpArgumentException(
          "quantizedMatmul",
          "x, out",
          "are "
              + x
              + " and "
              + out
              + "; the CUDA kernels take f16 or bf16 x and out of x's dtype");
    }
    return rows;
  }

  private QuantGemmKernels kernels() {
    QuantGemmKernels k = kernels;
    if (k == null) {
      k = LauncherLookup.load(QuantGemmKernels.class, port.kernelLoader());
      kernels = k;
    }
    return k;
  }

  /** x as the GEMM reads it: its address and row stride, gathered first for act-order weights. */
  private long[] gemmInput(Tensor x, QuantizedMatrix w, int m, long ldx) {
    if (!w.permuted()) {
      return new long[] {x.address(), ldx};
    }
    int kp = w.geometry().packedInputs();
    long bytes = (long) m * kp * x.dtype().byteSize();
    long gathered = scratch.get("quant.x", bytes, false);
    QuantGemm.gather(
        kernels(),
        stream,
        x.dtype(),
        gathered,
        x.address(),
        w.inputMap().address(),
        m,
        kp,
        ldx,
        kp);
    return new long[] {gathered, kp};
  }

  private void gemm(
      Tensor out, Tensor x, QuantizedMatrix w, QuantMatmulChecks.Rows rows, int splits) {
    int m = rows.m();
    if (m == 0) {
      return;
    }
    QuantGeometry geo = w.geometry();
    long[] in = gemmInput(x, w, m, rows.ldx());
    int size = x.dtype().byteSize();
    for (int r0 = 0; r0 < m; r0 += QuantGemmPlan.MAX_ROWS) {
      int count = Math.min(QuantGemmPlan.MAX_ROWS, m - r0);
      QuantGemmPlan plan = QuantGemmPlan.of(count, geo, multiprocessors, splits, stream);
      long partials =
          plan.partialFloats() == 0
              ? 0
              : scratch.get("quant.partials", 4 * plan.partialFloats(), false);
      // The kernel leaves its tickets at zero again, so the scratch is zeroed only when made.
      long counters =
          plan.counters() == 0 ? 0 : scratch.get("quant.counters", 4L * plan.counters(), true);
      QuantGemm.gemm(
          kernels(),
          plan,
          x.dtype(),
          geo,
          out.address() + r0 * rows.ldo() * size,
          in[0] + r0 * in[1] * size,
          w.codes().address(),
          w.meta().address(),
          partials,
          counters,
          count,
          in[1],
          rows.ldo());
    }
  }

  private void dense(Tensor out, Tensor x, QuantizedMatrix w, QuantMatmulChecks.Rows rows) {
    int m = rows.m();
    if (m == 0) {
      return;
    }
    QuantGeometry geo = w.geometry();
    DType t = x.dtype();
    int size = t.byteSize();
    long[] in = gemmInput(x, w, m, rows.ldx());
    int kp = geo.packedInputs();
    long perRow = (long) kp * size;
    int slice = (int) Math.max(16, Math.min(geo.rows(), DENSE_SCRATCH_BYTES / perRow) / 16 * 16);
    long dense = scratch.get("quant.dense", slice * perRow, false);
    for (int row0 = 0; row0 < geo.rows(); row0 += slice) {
      int count = Math.min(slice, geo.rows() - row0);
      QuantGemm.dequantize(
          kernels(),
          stream,
          t,
          geo,
          dense,
          w.codes().address(),
          w.meta().address(),
          row0,
          count,
          kp);
      port.gemm(
          BlasMatmul.plan(
              t,
              t,
              t,
              out.address() + (long) row0 * size,
              in[0],
              dense,
              m,
              count,
              geo.gemmInputs(),
              in[1],
              kp,
              rows.ldo()));
    }
  }

  /** Frees the scratch; queued work must be done (the backend synchronizes before it closes). */
  @Override
  public void close() {
    scratch.close();
  }
}
