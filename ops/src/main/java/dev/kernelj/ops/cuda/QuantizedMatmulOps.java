package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DeviceAllocation;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Residency;
import dev.kernelj.ops.Shape;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.BlasMatmul;
import dev.kernelj.ops.kernels.GpuLimits;
import dev.kernelj.ops.kernels.quant.QuantGemm;
import dev.kernelj.ops.kernels.quant.QuantGemmPlan;
import dev.kernelj.ops.kernels.quant.QuantGeometry;
import dev.kernelj.ops.kernels.quant.QuantMatmulChecks;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The quantized matmul of {@link CudaOps}. Act-order weights first gather x into their packed input
 * order (scratch). Up to {@link #denseFromRows} rows run the mixed-input GEMM, in launches of 32
 * rows where the few-row kernels take the weight and 64 elsewhere ({@link
 * QuantGemmPlan#launchRows}); from there on the weight is dequantized, a slice of rows at a time
 * into a scratch of at most {@code -Dkernelj.quant.denseSliceBytes} (default {@value
 * #DENSE_SCRATCH_BYTES}) bytes, and multiplied by cuBLAS, which wins once the tensor cores rather
 * than the weight stream bound the time. A slice that fits in L2 lets cuBLAS read what the
 * dequantization just wrote from L2 rather than from memory, at the price of more launches; {@code
 * QuantGemmBench} sweeps it. The crossover is a measured figure ({@code QuantGemmBench}); {@code
 * -Dkernelj.quant.denseFromRows=N} sets it.
 */
public final class QuantizedMatmulOps {
  /**
   * Rows from which dequantize + cuBLAS is taken for a weight whose GEMM path runs 64 rows as one
   * launch of the GEMM kernel: where it won for the Llama-3-8B shapes on an H200 (QuantGemmBench,
   * 2026-12-03).
   */
  static final int DEFAULT_DENSE_FROM_ROWS = 64;

  /**
   * The same for a 4-bit weight the few-row kernels take, whose GEMM path runs 33 to 64 rows as
   * launches of 32 ({@link QuantGemmPlan#launchRows}). On each of the four Llama-3-8B shapes
   * measured both ways in one session (fourteenth, BENCHMARKS.md, H200), two 32-row launches beat
   * dequantize + cuBLAS at 64 rows: o 27.4 against 32.4 us, qkv 35.0 against 36.8, 14336 x 4096
   * 56.0 against 85.7, down 55.8 against 90.1. So a decode step of 64 sequences stays on the GEMM
   * path. (Not measured end to end yet; QuantGemmBench's crossover column times the launches of
   * 32.) An 8-bit weight streams twice the bytes through those launches and keeps 64 until it is
   * measured.
   */
  public static final int FEW_DENSE_FROM_ROWS = 65;

  /**
   * Dense scratch per slice of rows (256 MiB: the whole of every Llama-3-8B projection in bf16, the
   * fused gate/up's 28672 x 4096 included). Measured on an H200 (QuantGemmBench and {@code kernelj
   * bench}, BENCHMARKS.md, fourteenth session): at 512 rows down_proj (4096 x 14336) took 114 us in
   * one slice against 138 us in two of 64 MiB, whose narrower cuBLAS GEMMs leave SMs idle; the
   * other shapes were level; slices small enough to stay in L2 (8-16 MiB) were slower on every
   * shape. Time to first token of a 512-token prompt, 8B shape: 17.7-18.2 ms against 19.1. The
   * scratch is as large as the largest slice a prefill needs (235 MB for that model); the engines
   * take it at load ({@link #reserve}) and count it in their memory budget.
   */
  static final long DENSE_SCRATCH_BYTES = 256L << 20;

  /** Scratch purposes ({@link DeviceScratch}): x gathered into an act-order weight's order. */
  private static final String GATHERED_X = "quant.x";

  /** A slice of the weight dequantized for cuBLAS. */
  private static final String DENSE = "quant.dense";

  /** The split GEMM's f32 partials and its per-tile tickets (zeroed when made). */
  private static final String PARTIALS = "quant.partials";

  private static final String COUNTERS = "quant.counters";

  /** The op named by the errors of its {@code -D} switches. */
  private static final String OP = "quantizedMatmul";

  private final Residency.OnDevice residency;
  private final DevicePort port;
  private final LoadedKernels kernels;
  private final DeviceScratch scratch;
  private final StreamRef stream;
  private final GpuLimits gpu;

  /** {@code -Dkernelj.quant.denseFromRows}, which sets the crossover for every weight; 0: unset. */
  private final int denseFromRows;

  private final long denseSliceBytes;

  QuantizedMatmulOps(
      Residency.OnDevice residency, DevicePort port, LoadedKernels kernels, DeviceScratch scratch) {
    this.residency = residency;
    this.port = port;
    this.kernels = kernels;
    this.scratch = scratch;
    this.stream = port.stream();
    this.gpu = port.limits();
    this.denseFromRows = denseFromRowsProperty();
    this.denseSliceBytes = denseSliceBytesProperty();
    TuningProperty.choice(
        OP, QuantGemmPlan.X_REGISTERS_PROPERTY, QuantGemmPlan.X_REGISTERS_CHOICES, "");
  }

  /**
   * Rows of x from which the dequantize + cuBLAS path is taken for weights the few-row kernels do
   * not take (the property's value when set).
   */
  public int denseFromRows() {
    return denseFromRows > 0 ? denseFromRows : DEFAULT_DENSE_FROM_ROWS;
  }

  /** Rows of x from which {@link #run} takes dequantize + cuBLAS for {@code w}. */
  public int denseFromRows(QuantizedMatrix w) {
    if (denseFromRows > 0) {
      return denseFromRows;
    }
    boolean launchesOf32 =
        QuantGemmPlan.launchRows(QuantGemmPlan.MAX_ROWS, w.geometry(), gpu)
            < QuantGemmPlan.MAX_ROWS;
    return launchesOf32 && w.geometry().bits() == 4 ? FEW_DENSE_FROM_ROWS : DEFAULT_DENSE_FROM_ROWS;
  }

  /** {@code out = x . W^T} by the path the row count picks. */
  public void run(Tensor out, Tensor x, QuantizedMatrix w) {
    QuantMatmulChecks.Rows rows = check(out, x, w);
    if (rows.m() >= denseFromRows(w)) {
      dense(out, x, w, rows, denseSliceBytes);
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
    dense(out, x, w, check(out, x, w), denseSliceBytes);
  }

  /** Dequantize + cuBLAS through slices of at most {@code sliceBytes} of dense weight. */
  public void runDense(Tensor out, Tensor x, QuantizedMatrix w, long sliceBytes) {
    dense(out, x, w, check(out, x, w), sliceBytes);
  }

  private QuantMatmulChecks.Rows check(Tensor out, Tensor x, QuantizedMatrix w) {
    QuantMatmulChecks.Rows rows = QuantMatmulChecks.check(out, x, w);
    if (w.permuted()) {
      residency.require(
          "quantizedMatmul",
          "out,x,w codes,w meta,w input map",
          out,
          x,
          w.codes(),
          w.meta(),
          w.inputMap());
    } else {
      residency.require("quantizedMatmul", "out,x,w codes,w meta", out, x, w.codes(), w.meta());
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

  /** x as the GEMM reads it, with its row stride: gathered first for act-order weights. */
  private Tensor gemmInput(Tensor x, QuantizedMatrix w, int m, long ldx) {
    if (!w.permuted()) {
      return x;
    }
    int kp = w.geometry().packedInputs();
    Tensor gathered = scratch.tensor(GATHERED_X, x.dtype(), (long) m * kp, false);
    QuantGemm.gather(kernels.quantGemm(), stream, gathered, x, w.inputMap(), m, kp, ldx, kp);
    return gathered;
  }

  private void gemm(
      Tensor out, Tensor x, QuantizedMatrix w, QuantMatmulChecks.Rows rows, int splits) {
    int m = rows.m();
    if (m == 0) {
      return;
    }
    QuantGeometry geo = w.geometry();
    long ldx = w.permuted() ? geo.packedInputs() : rows.ldx();
    Tensor in = gemmInput(x, w, m, rows.ldx());
    for (int r0 = 0, count; r0 < m; r0 += count) {
      count =
          splits > 0
              ? Math.min(QuantGemmPlan.MAX_ROWS, m - r0)
              : QuantGemmPlan.launchRows(m - r0, geo, gpu);
      QuantGemmPlan plan = QuantGemmPlan.of(count, geo, gpu, splits, stream);
      Tensor partials =
          scratch.tensor(PARTIALS, DType.F32, Math.max(1, plan.partialFloats()), false);
      // The kernel leaves its tickets at zero again, so the scratch is zeroed only when made.
      Tensor counters = scratch.tensor(COUNTERS, DType.I32, Math.max(1, plan.counters()), true);
      QuantGemm.gemm(
          kernels.quantGemm(),
          plan,
          geo,
          fromRow(out, r0, rows.ldo(), count, geo.rows()),
          fromRow(in, r0, ldx, count, geo.gemmInputs()),
          w.codes(),
          w.meta(),
          partials,
          counters,
          count,
          ldx,
          rows.ldo());
    }
  }

  /**
   * Allocates the scratch that {@link #run} takes for up to {@code rows} rows of {@code dtype} x
   * through any of {@code weights}, each buffer at the largest size any of them asks for, so that
   * no run grows one (a grown buffer's predecessor stays allocated for graphs that name it).
   * Returns the bytes of those buffers.
   */
  long reserve(List<QuantizedMatrix> weights, int rows, DType dtype) {
    Map<String, Long> need = new TreeMap<>();
    Set<QuantGeometry> planned = new HashSet<>();
    int size = dtype.byteSize();
    for (QuantizedMatrix w : weights) {
      QuantGeometry geo = w.geometry();
      long kp = geo.packedInputs();
      if (w.permuted()) {
        need.merge(GATHERED_X, rows * kp * size, Math::max);
      }
      int denseFrom = denseFromRows(w);
      if (rows >= denseFrom) {
        need.merge(DENSE, denseSliceRows(geo, size, denseSliceBytes) * kp * size, Math::max);
      }
      // The GEMM path's launches take 1 to 64 rows each (32 where the few-row kernels take the
      // weight); the plans, and so the partials, depend only on the row count and the geometry.
      if (planned.add(geo)) {
        int widest = QuantGemmPlan.launchRows(QuantGemmPlan.MAX_ROWS, geo, gpu);
        int most = Math.min(Math.min(rows, denseFrom - 1), widest);
        for (int m = 1; m <= most; m++) {
          QuantGemmPlan plan = QuantGemmPlan.of(m, geo, gpu, 0, stream);
          need.merge(PARTIALS, 4L * Math.max(1, plan.partialFloats()), Math::max);
          need.merge(COUNTERS, 4L * Math.max(1, plan.counters()), Math::max);
        }
      }
    }
    long held = 0;
    for (Map.Entry<String, Long> e : need.entrySet()) {
      scratch.get(e.getKey(), e.getValue(), zeroed(e.getKey()));
      held += DeviceScratch.aligned(e.getValue());
    }
    return held;
  }

  /** Whether a scratch buffer starts zeroed: the tickets, which their kernels leave at zero. */
  private static boolean zeroed(String purpose) {
    return purpose.equals(COUNTERS);
  }

  /** Rows of the weight dequantized at a time: a multiple of 16 within {@code sliceBytes}. */
  private static int denseSliceRows(QuantGeometry geo, int elementBytes, long sliceBytes) {
    return denseSliceRows(geo.rows(), geo.packedInputs(), elementBytes, sliceBytes);
  }

  private static int denseSliceRows(int rows, int packedInputs, int elementBytes, long sliceBytes) {
    long perRow = (long) packedInputs * elementBytes;
    return (int) Math.max(16, Math.min(rows, sliceBytes / perRow) / 16 * 16);
  }

  /**
   * The most dense scratch {@link #reserve} takes on any GPU for a weight of {@code rows} outputs
   * over {@code packedInputs} packed inputs when a call can bring {@code m} rows of x of {@code
   * elementBytes} each: a slice of the dequantized weight from {@link #DEFAULT_DENSE_FROM_ROWS}
   * rows (the crossover of the weights the few-row kernels do not take, the lower one) or {@code
   * -Dkernelj.quant.denseFromRows}, none below. {@code kernelj info} counts it before a GPU is
   * there to ask.
   */
  public static long denseScratchBound(int rows, int packedInputs, int m, int elementBytes) {
    int from = denseFromRowsProperty();
    if (m < (from > 0 ? from : DEFAULT_DENSE_FROM_ROWS)) {
      return 0;
    }
    return (long) denseSliceRows(rows, packedInputs, elementBytes, denseSliceBytesProperty())
        * packedInputs
        * elementBytes;
  }

  /** {@code -Dkernelj.quant.denseFromRows}, the crossover for every weight; 0 when unset. */
  private static int denseFromRowsProperty() {
    return TuningProperty.positiveInt(OP, "kernelj.quant.denseFromRows", 0);
  }

  /** {@code -Dkernelj.quant.denseSliceBytes}, or {@link #DENSE_SCRATCH_BYTES}. */
  private static long denseSliceBytesProperty() {
    return TuningProperty.positive(OP, "kernelj.quant.denseSliceBytes", DENSE_SCRATCH_BYTES);
  }

  private void dense(
      Tensor out, Tensor x, QuantizedMatrix w, QuantMatmulChecks.Rows rows, long sliceBytes) {
    int m = rows.m();
    if (m == 0) {
      return;
    }
    QuantGeometry geo = w.geometry();
    DType t = x.dtype();
    long ldx = w.permuted() ? geo.packedInputs() : rows.ldx();
    Tensor in = gemmInput(x, w, m, rows.ldx());
    int kp = geo.packedInputs();
    int slice = denseSliceRows(geo, t.byteSize(), sliceBytes);
    Tensor dense = scratch.tensor(DENSE, t, (long) slice * kp, false);
    for (int row0 = 0; row0 < geo.rows(); row0 += slice) {
      int count = Math.min(slice, geo.rows() - row0);
      QuantGemm.dequantize(
          kernels.quantGemm(), stream, geo, dense, w.codes(), w.meta(), row0, count, kp);
      port.gemm(
          BlasMatmul.plan(
              out.slice(-1, row0, row0 + count),
              in,
              dense,
              m,
              count,
              geo.gemmInputs(),
              ldx,
              kp,
              rows.ldo()));
    }
  }

  /**
   * Rows {@code [row, row + rows)} of {@code t} (rows {@code ld} elements apart, {@code cols} long)
   * as a flat view starting at the first of them, for kernels that take the row stride themselves.
   * The view owns nothing.
   */
  private static Tensor fromRow(Tensor t, int row, long ld, int rows, int cols) {
    long elements = (rows - 1) * ld + cols;
    int size = t.dtype().byteSize();
    DeviceAllocation whole = t.allocation();
    return Tensor.onDevice(
        t.dtype(),
        Shape.of(Math.toIntExact(elements)),
        new DeviceAllocation(
            t.address() + row * ld * size, elements * size, whole.device(), unowned -> {}));
  }
}
