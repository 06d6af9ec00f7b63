package dev.kernelj.samples;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.DeviceBuffer;
import java.io.PrintStream;
import java.util.Random;

/**
 * Sample 02: a two-pass shared-memory reduction (kernel in reduction.cu, a resource beside the
 * interface).
 */
final class Sample02Reduction implements Sample {
  private static final int BLOCK = 256;
  private static final int BLOCKS = 264; // two waves on a 132-SM card; any count works

  @Override
  public String title() {
    return "02 shared-memory reduction";
  }

  @Override
  public boolean run(CudaContext context, PrintStream out) {
    int n = 10_000_019;
    float[] x = Check.random(new Random(2), n);
    Reduction kernels = ReductionLauncher.load(context);
    try (DeviceBuffer<F32> dx = context.upload(x);
        DeviceBuffer<F32> partials = context.allocate(F32.class, BLOCKS);
        DeviceBuffer<F32> total = context.allocate(F32.class, 1)) {
      int shared = BLOCK * Float.BYTES;
      kernels.block_sum(Launch.grid(BLOCKS).block(BLOCK).shared(shared), n, dx, partials);
      kernels.block_sum(Launch.grid(1).block(BLOCK).shared(shared), BLOCKS, partials, total);

      double want = 0;
      for (float v : x) {
        want += v;
      }
      float got = total.toFloatArray()[0];
      // Summation order differs from the reference; bound the error by n·eps·sum|x|.
      double absSum = 0;
      for (float v : x) {
        absSum += Math.abs(v);
      }
      double error = Math.abs(got - want) / absSum;
      out.printf("  sum of %d floats: GPU %.4f, Java (double) %.4f%n", n, got, want);
      return Check.report(out, "block_sum", error, 1e-6);
    }
  }
}
