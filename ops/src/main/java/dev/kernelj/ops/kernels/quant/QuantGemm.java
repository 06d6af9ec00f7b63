package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.Instantiations;
import dev.kernelj.ops.kernels.LaunchMath;
import java.util.List;

/**
 * The mixed-input matmul for quantized weights: {@code out[r, n] = sum_k x[r, k] * W[n, k]} with W
 * given as 4- or 8-bit codes, a scale and a zero point per group ({@link QuantLayout}), x and out
 * in f16 or bf16 (one dtype), f32 accumulation. Three kernels ({@link QuantGemmKernels}, CUDA C in
 * {@link QuantGemmSource}): the GEMM itself for 1 to 64 rows per launch (one row of a wide weight
 * through the streaming kernel of {@link QuantStreamSource}, 2 to 32 rows through the few-row
 * kernels of {@link QuantFewSource}, {@link QuantFewSharedXSource} and {@link QuantXRegSource}, as
 * {@link QuantGemmPlan} picks), the gather that puts x in the weight's packed input order
 * (act-order), and the dequantization into dense rows for cuBLAS when many rows make a tensor-core
 * GEMM on a dense weight the faster path. Each entry point takes tensors and finds its
 * instantiation in a typed table by the activations' dtype. The reference twins are in {@link
 * QuantGemmReference}.
 */
public final class QuantGemm {
  private QuantGemm() {}

  private static final String OP = "quantizedMatmul";

  /** Launches of the gather and dequantize kernels: a grid-stride loop over 256-thread blocks. */
  private static Launch gridStride(long items, StreamRef stream) {
    int blocks = (int) Math.max(1, Math.min((items + 255) / 256, 8192));
    return Launch.grid(blocks).block(256).on(stream);
  }

  /**
   * The GEMM of {@code m} rows of x ({@code geo.gemmInputs()} columns, rows {@code ldx} apart,
   * already gathered when the weight is permuted) into {@code out} (rows {@code ldo} apart). Both
   * start at their first row. Scratch: {@code partials} f32 of {@code plan.partialFloats()} and
   * {@code counters} i32 of {@code plan.counters()}, zeroed; read only when the plan splits k.
   */
  public static void gemm(
      QuantGemmKernels.Cuda k,
      QuantGemmPlan plan,
      QuantGeometry geo,
      Tensor out,
      Tensor x,
      Tensor codes,
      Tensor meta,
      Tensor partials,
      Tensor counters,
      int m,
      long ldx,
      long ldo) {
    DType t = x.dtype();
    requireActivation(OP, t);
    LaunchMath.requireAddress(OP, "out", out);
    requireAligned(OP, "x", x, 8);
    requireAligned(OP, "codes", codes, 16);
    requireAligned(OP, "meta", meta, 16);
    if (ldx % 4 != 0 || ldx < geo.gemmInputs() || geo.gemmInputs() % 4 != 0) {
      throw new OpArgumentException(
          OP,
          "x",
          "rows of "
              + geo.gemmInputs()
              + " elements "
              + ldx
              + " apart; both must be multiples of 4 (8-byte loads)");
    }
    if (ldo < geo.rows()) {
      throw new OpArgumentException(
          OP, "out", "row stride " + ldo + " is shorter than " + geo.rows());
    }
    if (partials == null || counters == null) {
      throw new OpArgumentException(
          OP, "scratch", "partials and counters are needed (read only when the plan splits k)");
    }
    if (m > 8 * plan.columnTiles()) {
      throw new OpArgumentException(OP, "m", m + " rows for a plan of " + 8 * plan.columnTiles());
    }
    GEMM.get(t).launch(k, plan, geo, out, x, codes, meta, partials, counters, m, ldx, ldo);
  }

  /**
   * {@code out[r, j] = x[r, map[j]]} (0 where {@code map[j] < 0}) for {@code m} rows and {@code
   * packedInputs} columns.
   */
  public static void gather(
      QuantGemmKernels.Cuda k,
      StreamRef stream,
      Tensor out,
      Tensor x,
      Tensor map,
      int m,
      int packedInputs,
      long ldx,
      long ldo) {
    requireActivation(OP, x.dtype());
    LaunchMath.requireAddress(OP, "gathered x", out);
    LaunchMath.requireAddress(OP, "x", x);
    LaunchMath.requireAddress(OP, "input map", map);
    Launch l = gridStride((long) m * packedInputs, stream).overlappingPrevious();
    GATHER.get(x.dtype()).launch(k, l, out, x, map, m, packedInputs, ldx, ldo);
  }

  /**
   * Dense rows {@code [row0, row0 + rows)} of the weight into {@code dense} (row stride {@code ldd}
   * >= packed inputs), rounded once to its dtype; {@code row0} a multiple of 16.
   */
  public static void dequantize(
      QuantGemmKernels.Cuda k,
      StreamRef stream,
      QuantGeometry geo,
      Tensor dense,
      Tensor codes,
      Tensor meta,
      int row0,
      int rows,
      long ldd) {
    requireActivation(OP, dense.dtype());
    LaunchMath.requireAddress(OP, "dense scratch", dense);
    if (row0 % QuantLayout.TILE_ROWS != 0 || rows < 1 || row0 + rows > geo.rows()) {
      throw new OpArgumentException(
          OP,
          "rows",
          "[" + row0 + ", " + (row0 + rows) + ") of " + geo.rows() + " (start a multiple of 16)");
    }
    if (ldd < geo.packedInputs()) {
      throw new OpArgumentException(
          OP, "dense scratch", "row stride " + ldd + " < " + geo.packedInputs());
    }
    if (ldd % 8 != 0 || dense.address() % 16 != 0) {
      throw new OpArgumentException(
          OP, "dense scratch", "rows must start 16-byte aligned (16-byte stores of 8 elements)");
    }
    // One thread per two rows (g and g + 8 of a row tile) and 8 inputs.
    long items = (long) QuantLayout.rowTiles(rows) * 8 * (geo.packedInputs() / 8);
    DEQUANTIZE
        .get(dense.dtype())
        .launch(k, gridStride(items, stream), geo, dense, codes, meta, row0, rows, ldd);
  }

  static void requireActivation(String op, DType t) {
    if (t != DType.BF16 && t != DType.F16) {
      throw new OpArgumentException(
          op, "x", "has dtype " + t + "; the quantized kernels take f16 or bf16 activations");
    }
  }

  private static void requireAligned(String op, String arg, Tensor t, int bytes) {
    LaunchMath.requireAddress(op, arg, t);
    long address = t.address();
    if (address % bytes != 0) {
      throw new OpArgumentException(
          op, arg, "address 0x" + Long.toHexString(address) + " is not " + bytes + "-byte aligned");
    }
  }

  // ---------------------------------------------------------------- the typed tables

  @FunctionalInterface
  interface GemmFn<T extends Element> {
    void launch(
        QuantGemmKernels.Cuda k,
        Launch l,
        Ptr<T> out,
        ConstPtr<T> x,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        Ptr<F32> partials,
        Ptr<I32> counters,
        int m,
        int n,
        int kx,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldx,
        long ldo,
        int scaleBf16,
        int splits);
  }

  /**
   * The GEMM instantiations of one activation dtype, by {@link #variant}: 4-bit then 8-bit codes,
   * each for 1, 2, 4 and 8 column tiles, then the one-row kernels that stage x (4-bit, 8-bit), then
   * the streaming one-row kernel with 1 and 2 row tiles a block, then the few-row kernel for 1, 2
   * and 4 column tiles, then the few-row kernel with x shared by the block for 1, 2 and 4, then the
   * streaming kernel for 8-bit codes with 1 and 2 row tiles a block, then the few-row kernel for
   * 8-bit codes for 1, 2 and 4 column tiles, then the few-row kernel at one row tile a warp for
   * 4-bit codes for 1 and 2 column tiles, then the few-row kernel with x held in registers for
   * 4-bit codes for 1 and 2 column tiles.
   */
  record GemmKernel<T extends Element>(Class<T> t, List<GemmFn<T>> variants)
      implements Instantiations.OfElement {
    static int variant(QuantGemmPlan plan, int bits) {
      if (plan.xRegisters()) {
        return 25 + Integer.numberOfTrailingZeros(plan.columnTiles());
      }
      if (plan.fewRowTiles() == QuantFewSharedXSource.ROW_TILES) {
        return 15 + Integer.numberOfTrailingZeros(plan.columnTiles());
      }
      if (plan.fewRowTiles() == 1) {
        return 23 + Integer.numberOfTrailingZeros(plan.columnTiles());
      }
      if (plan.fewRowTiles() > 0) {
        return (bits == 4 ? 12 : 20) + Integer.numberOfTrailingZeros(plan.columnTiles());
      }
      if (plan.streamRowTiles() > 0) {
        return (bits == 4 ? 9 : 17) + plan.streamRowTiles();
      }
      if (plan.stagedX()) {
        return bits == 4 ? 8 : 9;
      }
      return (bits == 4 ? 0 : 4) + Integer.numberOfTrailingZeros(plan.columnTiles());
    }

    void launch(
        QuantGemmKernels.Cuda k,
        QuantGemmPlan plan,
        QuantGeometry geo,
        Tensor out,
        Tensor x,
        Tensor codes,
        Tensor meta,
        Tensor partials,
        Tensor counters,
        int m,
        long ldx,
        long ldo) {
      variants
          .get(variant(plan, geo.bits()))
          .launch(
              k,
              plan.launch(),
              out.ptr(t),
              x.constPtr(t),
              codes.constPtr(I32.class),
              meta.constPtr(I32.class),
              partials.ptr(F32.class),
              counters.ptr(I32.class),
              m,
              geo.rows(),
              geo.gemmInputs(),
              geo.kTiles(),
              geo.groupSize() / QuantLayout.STEP_K,
              geo.chunks(),
              ldx,
              ldo,
              geo.scaleBf16() ? 1 : 0,
              plan.splits());
    }
  }

  @FunctionalInterface
  interface GatherFn<T extends Element> {
    void launch(
        QuantGemmKernels.Cuda k,
        Launch l,
        Ptr<T> out,
        ConstPtr<T> x,
        ConstPtr<I32> map,
        int m,
        int kp,
        long ldx,
        long ldo);
  }

  /** One instantiation of {@code kj_qgather}. */
  record GatherKernel<T extends Element>(Class<T> t, GatherFn<T> fn)
      implements Instantiations.OfElement {
    void launch(
        QuantGemmKernels.Cuda k,
        Launch l,
        Tensor out,
        Tensor x,
        Tensor map,
        int m,
        int kp,
        long ldx,
        long ldo) {
      fn.launch(k, l, out.ptr(t), x.constPtr(t), map.constPtr(I32.class), m, kp, ldx, ldo);
    }
  }

  @FunctionalInterface
  interface DequantFn<T extends Element> {
    void launch(
        QuantGemmKernels.Cuda k,
        Launch l,
        Ptr<T> dense,
        ConstPtr<I32> w,
        ConstPtr<I32> meta,
        int row0,
        int rows,
        int ktiles,
        int groupSteps,
        int chunks,
        long ldd,
        int scaleBf16);
  }

  /** The {@code kj_qdequant} instantiations of one output dtype, for 4- and 8-bit codes. */
  record DequantKernel<T extends Element>(Class<T> t, DequantFn<T> w4, DequantFn<T> w8)
      implements Instantiations.OfElement {
    void launch(
        QuantGemmKernels.Cuda k,
        Launch l,
        QuantGeometry geo,
        Tensor dense,
        Tensor codes,
        Tensor meta,
        int row0,
        int rows,
        long ldd) {
      (geo.bits() == 4 ? w4 : w8)
          .launch(
              k,
              l,
              dense.ptr(t),
              codes.constPtr(I32.class),
              meta.constPtr(I32.class),
              row0,
              rows,
              geo.kTiles(),
              geo.groupSize() / QuantLayout.STEP_K,
              geo.chunks(),
              ldd,
              geo.scaleBf16() ? 1 : 0);
    }
  }

  static final Instantiations<GemmKernel<?>> GEMM =
      Instantiations.of(
          "quantizedMatmul",
          "x",
          new GemmKernel<>(
              BF16.class,
              List.of(
                  QuantGemmKernels.Cuda::kj_qgemm_bf16_w4_m8,
                  QuantGemmKernels.Cuda::kj_qgemm_bf16_w4_m16,
                  QuantGemmKernels.Cuda::kj_qgemm_bf16_w4_m32,
                  QuantGemmKernels.Cuda::kj_qgemm_bf16_w4_m64,
                  QuantGemmKernels.Cuda::kj_qgemm_bf16_w8_m8,
                  QuantGemmKernels.Cuda::kj_qgemm_bf16_w8_m16,
                  QuantGemmKernels.Cuda::kj_qgemm_bf16_w8_m32,
                  QuantGemmKernels.Cuda::kj_qgemm_bf16_w8_m64,
                  QuantGemmKernels.Cuda::kj_qgemm_bf16_w4_m1,
                  QuantGemmKernels.Cuda::kj_qgemm_bf16_w8_m1,
                  QuantGemmKernels.Cuda::kj_qstream_bf16_w4_rt1,
                  QuantGemmKernels.Cuda::kj_qstream_bf16_w4_rt2,
                  QuantGemmKernels.Cuda::kj_qfew_bf16_w4_m8,
                  QuantGemmKernels.Cuda::kj_qfew_bf16_w4_m16,
                  QuantGemmKernels.Cuda::kj_qfew_bf16_w4_m32,
                  QuantGemmKernels.Cuda::kj_qfewx_bf16_m8,
                  QuantGemmKernels.Cuda::kj_qfewx_bf16_m16,
                  QuantGemmKernels.Cuda::kj_qfewx_bf16_m32,
                  QuantGemmKernels.Cuda::kj_qstream_bf16_w8_rt1,
                  QuantGemmKernels.Cuda::kj_qstream_bf16_w8_rt2,
                  QuantGemmKernels.Cuda::kj_qfew_bf16_w8_m8,
                  QuantGemmKernels.Cuda::kj_qfew_bf16_w8_m16,
                  QuantGemmKernels.Cuda::kj_qfew_bf16_w8_m32,
                  QuantGemmKernels.Cuda::kj_qfew_bf16_w4_m8_rw1,
                  QuantGemmKernels.Cuda::kj_qfew_bf16_w4_m16_rw1,
                  QuantGemmKernels.Cuda::kj_qxreg_bf16_w4_m8,
                  QuantGemmKernels.Cuda::kj_qxreg_bf16_w4_m16)),
          new GemmKernel<>(
              F16.class,
              List.of(
                  QuantGemmKernels.Cuda::kj_qgemm_f16_w4_m8,
                  QuantGemmKernels.Cuda::kj_qgemm_f16_w4_m16,
                  QuantGemmKernels.Cuda::kj_qgemm_f16_w4_m32,
                  QuantGemmKernels.Cuda::kj_qgemm_f16_w4_m64,
                  QuantGemmKernels.Cuda::kj_qgemm_f16_w8_m8,
                  QuantGemmKernels.Cuda::kj_qgemm_f16_w8_m16,
                  QuantGemmKernels.Cuda::kj_qgemm_f16_w8_m32,
                  QuantGemmKernels.Cuda::kj_qgemm_f16_w8_m64,
                  QuantGemmKernels.Cuda::kj_qgemm_f16_w4_m1,
                  QuantGemmKernels.Cuda::kj_qgemm_f16_w8_m1,
                  QuantGemmKernels.Cuda::kj_qstream_f16_w4_rt1,
                  QuantGemmKernels.Cuda::kj_qstream_f16_w4_rt2,
                  QuantGemmKernels.Cuda::kj_qfew_f16_w4_m8,
                  QuantGemmKernels.Cuda::kj_qfew_f16_w4_m16,
                  QuantGemmKernels.Cuda::kj_qfew_f16_w4_m32,
                  QuantGemmKernels.Cuda::kj_qfewx_f16_m8,
                  QuantGemmKernels.Cuda::kj_qfewx_f16_m16,
                  QuantGemmKernels.Cuda::kj_qfewx_f16_m32,
                  QuantGemmKernels.Cuda::kj_qstream_f16_w8_rt1,
                  QuantGemmKernels.Cuda::kj_qstream_f16_w8_rt2,
                  QuantGemmKernels.Cuda::kj_qfew_f16_w8_m8,
                  QuantGemmKernels.Cuda::kj_qfew_f16_w8_m16,
                  QuantGemmKernels.Cuda::kj_qfew_f16_w8_m32,
                  QuantGemmKernels.Cuda::kj_qfew_f16_w4_m8_rw1,
                  QuantGemmKernels.Cuda::kj_qfew_f16_w4_m16_rw1,
                  QuantGemmKernels.Cuda::kj_qxreg_f16_w4_m8,
                  QuantGemmKernels.Cuda::kj_qxreg_f16_w4_m16)));

  static final Instantiations<GatherKernel<?>> GATHER =
      Instantiations.of(
          "quantizedMatmul",
          "x",
          new GatherKernel<>(BF16.class, QuantGemmKernels.Cuda::kj_qgather_bf16),
          new GatherKernel<>(F16.class, QuantGemmKernels.Cuda::kj_qgather_f16));

  static final Instantiations<DequantKernel<?>> DEQUANTIZE =
      Instantiations.of(
          "quantizedMatmul",
          "x",
          new DequantKernel<>(
              BF16.class,
              QuantGemmKernels.Cuda::kj_qdequant_bf16_w4,
              QuantGemmKernels.Cuda::kj_qdequant_bf16_w8),
          new DequantKernel<>(
              F16.class,
              QuantGemmKernels.Cuda::kj_qdequant_f16_w4,
              QuantGemmKernels.Cuda::kj_qdequant_f16_w8));
}
