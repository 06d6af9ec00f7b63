package dev.kernelj.ops.reference;

import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Residency;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.quant.QuantGemmReference;
import dev.kernelj.ops.kernels.quant.QuantGeometry;
import dev.kernelj.ops.kernels.quant.QuantMatmulChecks;

/**
 * The reference backend's quantized matmul: the twins of the gather and the GEMM on host arrays.
 */
final class QuantizedMatmulOps {
  private QuantizedMatmulOps() {}

  static void run(Tensor out, Tensor x, QuantizedMatrix w) {
    QuantMatmulChecks.Rows rows = QuantMatmulChecks.check(out, x, w);
    Residency.requireHost("quantizedMatmul", "out,x", out, x);
    int m = rows.m();
    if (m == 0) {
      return;
    }
    QuantGeometry geo = w.geometry();
    float[] xs = x.hostFloats();
    int xOff = (int) x.offset();
    long ldx = rows.ldx();
    if (w.permuted()) {
      int kp = geo.packedInputs();
      float[] gathered = new float[Math.multiplyExact(m, kp)];
      Tensor map = w.inputMap();
      QuantGemmReference.gather(
          gathered, 0, kp, xs, xOff, ldx, m, map.hostInts(), (int) map.offset(), kp);
      xs = gathered;
      xOff = 0;
      ldx = kp;
    }
    QuantGemmReference.gemm(
        out.dtype(),
        out.hostFloats(),
        (int) out.offset(),
        rows.ldo(),
        xs,
        xOff,
        ldx,
        m,
        geo,
        w.codes().hostInts(),
        (int) w.codes().offset(),
        w.meta().hostInts(),
        (int) w.meta().offset());
  }
}
