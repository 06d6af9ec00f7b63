package dev.kernelj.ops.bench;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpsOptions;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.cuda.CudaOps;
import java.util.Random;

/**
 * Do KernelJ's fixed-order GEMM with k unsplit ({@code mma.sync} steps of 16 inputs, one f32
 * accumulator, k ascending) and the pinned cuBLASLt algorithm (no k split) give the same bits? If
 * the tensor cores sum a 16-input step the same way for both instruction kinds and cuBLASLt's
 * kernel walks k in order with one accumulator, they do, and the two could share one order: ours
 * for few rows, cuBLASLt's for many. Prints, per projection of {@link InvarianceBench} and row
 * count, the share of outputs with identical bits and the largest difference.
 *
 * <p>Measured on an H200 (CUDA 13, 2026-12-03): identical bits for every projection and row count.
 *
 * <p>Usage: {@code InvariantGemmProbe}.
 */
public final class InvariantGemmProbe {
  private InvariantGemmProbe() {}

  private static final int[] ROWS = {1, 8, 64, 256};

  public static void main(String[] args) {
    System.setProperty("kernelj.invariantGemm", "cublaslt");
    try (CudaOps pinned = CudaOps.open(0, OpsOptions.batchInvariantMode())) {
      System.setProperty("kernelj.invariantGemm", "own");
      System.setProperty("kernelj.invariantGemm.splits", "1");
      try (CudaOps own = CudaOps.open(0, OpsOptions.batchInvariantMode())) {
        System.out.println("fixed-order GEMM (one k range) vs pinned cuBLASLt on " + own.name());
        System.out.printf("%-16s %6s %12s %14s%n", "projection", "rows", "same bits", "max |diff|");
        for (InvarianceBench.Projection p : InvarianceBench.PROJECTIONS) {
          Random random = new Random(p.n() * 17L + p.k());
          float[] w = uniform(random, p.n() * p.k());
          for (int m : ROWS) {
            float[] x = uniform(random, m * p.k());
            float[] a = product(pinned, x, m, w, p.n(), p.k());
            float[] b = product(own, x, m, w, p.n(), p.k());
            long same = 0;
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
              if (Float.floatToRawIntBits(a[i]) == Float.floatToRawIntBits(b[i])) {
                same++;
              }
              diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            System.out.printf(
                "%-16s %6d %11.4f%% %14.3g%n", p.name(), m, 100.0 * same / a.length, diff);
          }
        }
      }
    }
  }

  private static float[] product(CudaOps ops, float[] x, int m, float[] w, int n, int k) {
    try (Tensor dw = ops.upload(Tensor.fromFloats(DType.BF16, w, n, k));
        Tensor dx = ops.upload(Tensor.fromFloats(DType.BF16, x, m, k));
        Tensor out = ops.empty(DType.F32, m, n)) {
      ops.matmul(out, dx, dw);
      return ops.toHost(out).toFloatArray();
    }
  }

  private static float[] uniform(Random r, int count) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = r.nextFloat() * 2 - 1;
    }
    return v;
  }
}
