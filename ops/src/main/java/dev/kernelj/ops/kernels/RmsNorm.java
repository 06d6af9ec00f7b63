package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.Tensor;

/**
 * RMSNorm over the last dim: {@code out = x / sqrt(mean(x^2) + eps) * weight}, in f32, rounded once
 * to the dtype. The fused form first does the residual add of a transformer block, {@code residual
 * = round(residual + x)}, stores it, and normalises the stored (rounded) value, so the fused op
 * equals an add followed by a norm. Rows may be strided; {@code out} may be {@code x}.
 *
 * <p>How it runs ({@link #plan}): a row is read from memory once and kept in registers, up to
 * {@value #CHUNKS_PER_THREAD} 16-byte chunks of 8 elements per thread, all loads of a thread in
 * flight together (the weight's too), then one reduction and the writes. The launch overlaps the
 * kernel before (programmatic dependent launch): it starts during that kernel's end, waits for it
 * before it reads anything (the weight may be that kernel's output as well), and lets the next
 * kernel start at once. Rows of up to {@value #WARP_ROW_MAX_COLS} elements take one warp each, four
 * rows per block, reduced with warp shuffles only; longer rows take one block with a thread for
 * each 8-element chunk, up to {@value #ROW_BLOCK_MAX_THREADS} threads (all of them for a hidden
 * size of 4096; beyond that a thread keeps several chunks), reduced by a shuffle plus a 32-float
 * shared reduction. Rows that are not 16-byte aligned, not a multiple of 8 long, or longer than the
 * block's registers hold (16,384 elements) fall back to two passes over global memory in the same
 * kernel.
 *
 * <p>Why a chunk a thread: the norm of a decode step is a few rows, one block each, so its time is
 * the latency of one block's loads and reduction, not bandwidth. Measured on an H200 ({@code
 * kernelj bench}, GPTQ 8B shape, three pairs in one call, fifteenth session): 512 threads of one
 * chunk against 128 of four made batch-1 decode 4.3 % faster (418.7 against 401.4 tok/s) and batch
 * 16 1.6 % (4,313 against 4,246).
 */
public final class RmsNorm {
  private RmsNorm() {}

  /** Most 8-element chunks a thread keeps in registers ({@code MAX_CHUNKS} in the CUDA C). */
  public static final int CHUNKS_PER_THREAD = 4;

  /**
   * Most threads of the block that takes one long row: the kernels' {@code __launch_bounds__}
   * ({@code MAX_THREADS} in the CUDA C), at which they keep 128 registers a thread.
   */
  public static final int ROW_BLOCK_MAX_THREADS = 512;

  /** Longest row handled by one warp. */
  public static final int WARP_ROW_MAX_COLS = 32 * 8 * CHUNKS_PER_THREAD;

  /** Rows per block when each warp takes one row. */
  public static final int WARP_ROWS_PER_BLOCK = 4;

  /** The launch shape: {@code rowsPerBlock} is 4 (a warp per row) or 1 (a block per row). */
  public record Plan(Launch launch, int rowsPerBlock) {}

  /**
   * Warps of one row each for rows of at most {@link #WARP_ROW_MAX_COLS}; otherwise one block per
   * row with a thread a chunk, 32 to {@value #ROW_BLOCK_MAX_THREADS} threads.
   */
  public static Plan plan(int rows, int cols, StreamRef stream) {
    if (cols <= WARP_ROW_MAX_COLS) {
      int blocks = (int) (((long) rows + WARP_ROWS_PER_BLOCK - 1) / WARP_ROWS_PER_BLOCK);
      return new Plan(
          Launch.grid(Math.max(1, blocks))
              .block(32 * WARP_ROWS_PER_BLOCK)
              .on(stream)
              .overlappingPrevious(),
          WARP_ROWS_PER_BLOCK);
    }
    long chunks = (cols + 7L) / 8;
    long threads = Math.min(ROW_BLOCK_MAX_THREADS, Math.max(32, (chunks + 31) / 32 * 32));
    return new Plan(
        Launch.grid(Math.max(1, rows)).block((int) threads).on(stream).overlappingPrevious(), 1);
  }

  /** {@code rows} rows of {@code cols}; x, out rows {@code ldx}, {@code ldo} elements apart. */
  public static void rmsNorm(
      RmsNormKernels.Cuda k,
      StreamRef stream,
      Tensor out,
      Tensor x,
      Tensor w,
      int rows,
      int cols,
      long ldx,
      long ldo,
      float eps) {
    check(out, x, w, rows, cols);
    if (rows == 0 || cols == 0) {
      return;
    }
    RmsNormKernels.NORMS
        .get(x.dtype())
        .launch(k, plan(rows, cols, stream), out, x, w, rows, cols, ldx, ldo, eps);
  }

  /** The fused form: {@code residual = residual + x; out = rmsnorm(residual) * w}. */
  public static void rmsNormResidual(
      RmsNormKernels.Cuda k,
      StreamRef stream,
      Tensor out,
      Tensor residual,
      Tensor x,
      Tensor w,
      int rows,
      int cols,
      long ldx,
      long ldr,
      long ldo,
      float eps) {
    check(out, x, w, rows, cols);
    LaunchMath.requireAddress("rmsNormResidual", "residual", residual);
    if (rows == 0 || cols == 0) {
      return;
    }
    RmsNormKernels.RESIDUAL_NORMS
        .get(x.dtype())
        .launch(k, plan(rows, cols, stream), out, residual, x, w, rows, cols, ldx, ldr, ldo, eps);
  }

  private static void check(Tensor out, Tensor x, Tensor w, int rows, int cols) {
    LaunchMath.requireFloating("rmsNorm", "x", x.dtype());
    LaunchMath.requireNonNegative("rmsNorm", "rows", rows);
    LaunchMath.requireNonNegative("rmsNorm", "cols", cols);
    LaunchMath.requireAddress("rmsNorm", "out", out);
    LaunchMath.requireAddress("rmsNorm", "x", x);
    LaunchMath.requireAddress("rmsNorm", "weight", w);
  }

  /**
   * Reference twin of both forms ({@code residual == null}: plain). Sum of squares in f64; the
   * normalised value is formed in f32 as the kernel does, then rounded once to {@code t}.
   */
  public static void rmsNormReference(
      DType t,
      float[] out,
      int outOff,
      int ldo,
      float[] residual,
      int resOff,
      int ldr,
      float[] x,
      int xOff,
      int ldx,
      float[] w,
      int wOff,
      int rows,
      int cols,
      float eps) {
    float[] v = new float[cols];
    for (int r = 0; r < rows; r++) {
      double ss = 0;
      for (int c = 0; c < cols; c++) {
        float value = x[xOff + r * ldx + c];
        if (residual != null) {
          value = DTypes.round(t, residual[resOff + r * ldr + c] + value);
          residual[resOff + r * ldr + c] = value;
        }
        v[c] = value;
        ss += (double) value * value;
      }
      float inv = (float) (1.0 / Math.sqrt((float) (ss / cols) + eps));
      for (int c = 0; c < cols; c++) {
        out[outOff + r * ldo + c] = DTypes.round(t, v[c] * inv * w[wOff + c]);
      }
    }
  }
}
