package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.dsl.U32;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.kernels.LaunchMath;

/**
 * The mixed-input matmul for quantized weights: {@code out[r, n] = sum_k x[r, k] * W[n, k]} with W
 * given as 4- or 8-bit codes, a scale and a zero point per group ({@link QuantLayout}), x and out
 * in f16 or bf16 (one dtype), f32 accumulation. Three kernels ({@link QuantGemmKernels}, CUDA C in
 * {@link QuantGemmSource}): the GEMM itself for 1 to 64 rows per launch, the gather that puts x in
 * the weight's packed input order (act-order), and the dequantization into dense rows for cuBLAS
 * when many rows make a tensor-core GEMM on a dense weight the faster path. The reference twins are
 * in {@link QuantGemmReference}.
 */
public final class QuantGemm {
  private QuantGemm() {}

  /** Launches of the gather and dequantize kernels: a grid-stride loop over 256-thread blocks. */
  private static Launch gridStride(long items, StreamRef stream) {
    int blocks = (int) Math.max(1, Math.min((items + 255) / 256, 8192));
    return Launch.grid(blocks).block(256).on(stream);
  }

  /**
   * The GEMM of {@code m} rows of x ({@code geo.gemmInputs()} columns, rows {@code ldx} apart,
   * already gathered when the weight is permuted) into {@code out} (rows {@code ldo} apart).
   * Scratch from {@code plan}: {@code partials} f32 and {@code counters} u32, zeroed, unused when
   * the plan does not split k.
   */
  public static void gemm(
      QuantGemmKernels k,
      QuantGemmPlan plan,
      DType t,
      QuantGeometry geo,
      long out,
      long x,
      long codes,
      long meta,
      long partials,
      long counters,
      int m,
      long ldx,
      long ldo) {
    requireActivation("quantizedMatmul", t);
    LaunchMath.requireAddress("quantizedMatmul", "out", out, t);
    requireAligned("quantizedMatmul", "x", x, 8);
    requireAligned("quantizedMatmul", "codes", codes, 16);
    requireAligned("quantizedMatmul", "meta", meta, 16);
    if (ldx % 4 != 0 || ldx < geo.gemmInputs() || geo.gemmInputs() % 4 != 0) {
      throw new OpArgumentException(
          "quantizedMatmul",
          "x",
          "rows of "
              + geo.gemmInputs()
              + " elements "
              + ldx
              + " apart; both must be multiples of 4 (8-byte loads)");
    }
    if (ldo < geo.rows()) {
      throw new OpArgumentException(
          "quantizedMatmul", "out", "row stride " + ldo + " is shorter than " + geo.rows());
    }
    if (plan.splits() > 1 && (partials == 0 || counters == 0)) {
      throw new OpArgumentException(
          "quantizedMatmul", "scratch", "a plan that splits k needs partials and counters");
    }
    if (m > 8 * plan.columnTiles()) {
      throw new OpArgumentException(
          "quantizedMatmul", "m", m + " rows for a plan of " + 8 * plan.columnTiles());
    }
    Launch l = plan.launch();
    int bf = geo.scaleBf16() ? 1 : 0;
    int n = geo.rows();
    int kx = geo.gemmInputs();
    int kt = geo.kTiles();
    int gs = geo.groupSize() / QuantLayout.STEP_K;
    int ch = geo.chunks();
    int s = plan.splits();
    ConstPtr<U32> w = ConstPtr.ofAddress(codes, U32.class);
    ConstPtr<U32> mw = ConstPtr.ofAddress(meta, U32.class);
    Ptr<F32> p = Ptr.ofAddress(partials, F32.class);
    Ptr<U32> c = Ptr.ofAddress(counters, U32.class);
    int variant = (geo.bits() == 4 ? 0 : 4) + Integer.numberOfTrailingZeros(plan.columnTiles());
    if (t == DType.BF16) {
      Ptr<BF16> o = Ptr.ofAddress(out, BF16.class);
      ConstPtr<BF16> xs = ConstPtr.ofAddress(x, BF16.class);
      switch (variant) {
        case 0 ->
            k.kj_qgemm_bf16_w4_m8(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 1 ->
            k.kj_qgemm_bf16_w4_m16(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 2 ->
            k.kj_qgemm_bf16_w4_m32(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 3 ->
            k.kj_qgemm_bf16_w4_m64(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 4 ->
            k.kj_qgemm_bf16_w8_m8(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 5 ->
            k.kj_qgemm_bf16_w8_m16(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 6 ->
            k.kj_qgemm_bf16_w8_m32(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        default ->
            k.kj_qgemm_bf16_w8_m64(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
      }
    } else {
      Ptr<F16> o = Ptr.ofAddress(out, F16.class);
      ConstPtr<F16> xs = ConstPtr.ofAddress(x, F16.class);
      switch (variant) {
        case 0 ->
            k.kj_qgemm_f16_w4_m8(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 1 ->
            k.kj_qgemm_f16_w4_m16(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 2 ->
            k.kj_qgemm_f16_w4_m32(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 3 ->
            k.kj_qgemm_f16_w4_m64(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 4 ->
            k.kj_qgemm_f16_w8_m8(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 5 ->
            k.kj_qgemm_f16_w8_m16(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        case 6 ->
            k.kj_qgemm_f16_w8_m32(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
        default ->
            k.kj_qgemm_f16_w8_m64(l, o, xs, w, mw, p, c, m, n, kx, kt, gs, ch, ldx, ldo, bf, s);
      }
    }
  }

  /**
   * {@code out[r, j] = x[r, map[j]]} (0 where {@code map[j] < 0}) for {@code m} rows and {@code
   * packedInputs} columns.
   */
  public static void gather(
      QuantGemmKernels k,
      StreamRef stream,
      DType t,
      long out,
      long x,
      long map,
      int m,
      int packedInputs,
      long ldx,
      long ldo) {
    requireActivation("quantizedMatmul", t);
    LaunchMath.requireAddress("quantizedMatmul", "gathered x", out, t);
    LaunchMath.requireAddress("quantizedMatmul", "x", x, t);
    LaunchMath.requireAddress("quantizedMatmul", "input map", map, DType.I32);
    Launch l = gridStride((long) m * packedInputs, stream).overlappingPrevious();
    ConstPtr<I32> mp = ConstPtr.ofAddress(map, I32.class);
    if (t == DType.BF16) {
      k.kj_qgather_bf16(
          l,
          Ptr.ofAddress(out, BF16.class),
          ConstPtr.ofAddress(x, BF16.class),
          mp,
          m,
          packedInputs,
          ldx,
          ldo);
    } else {
      k.kj_qgather_f16(
          l,
          Ptr.ofAddress(out, F16.class),
          ConstPtr.ofAddress(x, F16.class),
          mp,
          m,
          packedInputs,
          ldx,
          ldo);
    }
  }

  /**
   * Dense rows {@code [row0, row0 + rows)} of the weight into {@code dense} (row stride {@code ldd}
   * >= packed inputs), rounded once to {@code t}; {@code row0} a multiple of 16.
   */
  public static void dequantize(
      QuantGemmKernels k,
      StreamRef stream,
      DType t,
      QuantGeometry geo,
      long dense,
      long codes,
      long meta,
      int row0,
      int rows,
      long ldd) {
    requireActivation("quantizedMatmul", t);
    LaunchMath.requireAddress("quantizedMatmul", "dense scratch", dense, t);
    if (row0 % QuantLayout.TILE_ROWS != 0 || rows < 1 || row0 + rows > geo.rows()) {
      throw new OpArgumentException(
          "quantizedMatmul",
          "rows",
          "[" + row0 + ", " + (row0 + rows) + ") of " + geo.rows() + " (start a multiple of 16)");
    }
    if (ldd < geo.packedInputs()) {
      throw new OpArgumentException(
          "quantizedMatmul", "dense scratch", "row stride " + ldd + " < " + geo.packedInputs());
    }
    long slots = (long) QuantLayout.rowTiles(rows) * geo.kTiles() * QuantLayout.LANES;
    Launch l = gridStride(slots, stream);
    ConstPtr<U32> w = ConstPtr.ofAddress(codes, U32.class);
    ConstPtr<U32> mw = ConstPtr.ofAddress(meta, U32.class);
    int kt = geo.kTiles();
    int gs = geo.groupSize() / QuantLayout.STEP_K;
    int ch = geo.chunks();
    int bf = geo.scaleBf16() ? 1 : 0;
    if (t == DType.BF16) {
      Ptr<BF16> d = Ptr.ofAddress(dense, BF16.class);
      if (geo.bits() == 4) {
        k.kj_qdequant_bf16_w4(l, d, w, mw, row0, rows, kt, gs, ch, ldd, bf);
      } else {
        k.kj_qdequant_bf16_w8(l, d, w, mw, row0, rows, kt, gs, ch, ldd, bf);
      }
    } else {
      Ptr<F16> d = Ptr.ofAddress(dense, F16.class);
      if (geo.bits() == 4) {
        k.kj_qdequant_f16_w4(l, d, w, mw, row0, rows, kt, gs, ch, ldd, bf);
      } else {
        k.kj_qdequant_f16_w8(l, d, w, mw, row0, rows, kt, gs, ch, ldd, bf);
      }
    }
  }

  static void requireActivation(String op, DType t) {
    if (t != DType.BF16 && t != DType.F16) {
      throw new OpArgumentException(
          op, "x", "has dtype " + t + "; the quantized kernels take f16 or bf16 activations");
    }
  }

  private static void requireAligned(String op, String arg, long address, int bytes) {
    if (address == 0 || address % bytes != 0) {
      throw new OpArgumentException(
          op, arg, "address 0x" + Long.toHexString(address) + " is not " + bytes + "-byte aligned");
    }
  }
}
