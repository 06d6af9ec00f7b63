package dev.kernelj.samples;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.DeviceBuffer;
import java.io.PrintStream;
import java.util.Random;

/** Sample 01: the smallest useful kernels, saxpy and vector add, through the generated launcher. */
final class Sample01VectorAdd implements Sample {
  @Override
  public String title() {
    return "01 vector add and saxpy";
  }

  @Override
  public boolean run(CudaContext context, PrintStream out) {
    int n = 1_000_003; // not a multiple of the block size: the bounds check matters
    Random rng = new Random(1);
    float[] x = Check.random(rng, n);
    float[] y = Check.random(rng, n);
    Saxpy kernels = SaxpyLauncher.load(context);
    try (DeviceBuffer<F32> dx = context.upload(x);
        DeviceBuffer<F32> dy = context.upload(y);
        DeviceBuffer<F32> dc = context.allocate(F32.class, n)) {
      Launch launch = Launch.grid(Launch.blocksFor(n, 256)).block(256);
      dc.fill(Float.NaN, StreamRef.DEFAULT); // poison: every element must be written

      kernels.vector_add(Launch.grid(120).block(256), n, dx, dy, dc);
      kernels.saxpy(launch, n, 2.5f, dx, dy);

      double[] wantAdd = new double[n];
      double[] wantSaxpy = new double[n];
      for (int i = 0; i < n; i++) {
        wantAdd[i] = (double) x[i] + y[i];
        wantSaxpy[i] = Math.fma(2.5f, x[i], y[i]);
      }
      boolean ok =
          Check.report(
              out,
              "vector_add, n = " + n,
              Check.maxRelativeError(dc.toFloatArray(), wantAdd),
              1e-6);
      ok &=
          Check.report(
              out, "saxpy, n = " + n, Check.maxRelativeError(dy.toFloatArray(), wantSaxpy), 1e-6);
      return ok;
    }
  }
}
