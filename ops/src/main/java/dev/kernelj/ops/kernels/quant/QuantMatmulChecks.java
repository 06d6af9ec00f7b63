package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Shape;
import dev.kernelj.ops.Tensor;

/**
 * The tensor-level rules of the quantized matmul, shared by both backends so that they refuse the
 * same inputs: x {@code [..., inFeatures]} and out {@code [..., outFeatures]} with uniformly
 * strided rows, out in x's dtype or f32. The CUDA backend further takes f16/bf16 x and out of x's
 * dtype ({@link QuantGemm}).
 */
public final class QuantMatmulChecks {
  private QuantMatmulChecks() {}

  static final String OP = "quantizedMatmul";

  /** Rows of x, and the row strides of x and out. */
  public record Rows(int m, long ldx, long ldo) {}

  public static Rows check(Tensor out, Tensor x, QuantizedMatrix w) {
    if (!DTypes.isFloating(x.dtype())) {
      throw new OpArgumentException(
          OP, "x", "has dtype " + x.dtype() + "; f32, f16 or bf16 expected");
    }
    if (out.dtype() != x.dtype() && out.dtype() != DType.F32) {
      throw new OpArgumentException(
          OP, "out", "has dtype " + out.dtype() + "; x's dtype " + x.dtype() + " or F32 expected");
    }
    if (x.rank() < 1 || x.dim(-1) != w.inFeatures()) {
      throw new OpArgumentException(
          OP, "x", "has shape " + x.shape() + " but " + w + " takes " + w.inFeatures() + " inputs");
    }
    int[] expect = x.shape().toArray();
    expect[expect.length - 1] = w.outFeatures();
    if (!out.shape().equals(Shape.of(expect))) {
      throw new OpArgumentException(
          OP,
          "out",
          "has shape "
              + out.shape()
              + " but x "
              + x.shape()
              + " . "
              + w
              + "^T gives "
              + Shape.of(expect));
    }
    if (!x.hasUniformRows() || !out.hasUniformRows()) {
      throw new OpArgumentException(
          OP, "x, out", "need uniformly strided rows, got " + x + " and " + out);
    }
    if (w.codes().isHost() != x.isHost()) {
      throw new OpArgumentException(OP, "w", w + " and x " + x + " live in different backends");
    }
    int m = Math.toIntExact(x.numel() / Math.max(1, x.dim(-1)));
    return new Rows(m, x.rowStride(), out.rowStride());
  }
}
