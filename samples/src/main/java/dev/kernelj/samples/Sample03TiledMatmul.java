package dev.kernelj.samples;

import dev.kernelj.dsl.Dim3;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.DeviceBuffer;
import java.io.PrintStream;
import java.util.Random;

/**
 * Sample 03: a tiled matrix product with a 2-D grid and shared memory, at sizes that are not tile
 * multiples.
 */
final class Sample03TiledMatmul implements Sample {
  @Override
  public String title() {
    return "03 tiled matmul";
  }

  @Override
  public boolean run(CudaContext context, PrintStream out) {
    int m = 257;
    int n = 191;
    int k = 133;
    Random rng = new Random(3);
    float[] a = Check.random(rng, m * k);
    float[] b = Check.random(rng, k * n);
    TiledMatmul kernels = TiledMatmulLauncher.load(context);
    try (DeviceBuffer<F32> da = context.upload(a);
        DeviceBuffer<F32> db = context.upload(b);
        DeviceBuffer<F32> dc = context.allocate(F32.class, (long) m * n)) {
      int tile = TiledMatmul.TILE;
      Launch launch =
          Launch.grid(Dim3.of(Launch.blocksFor(n, tile), Launch.blocksFor(m, tile)))
              .block(Dim3.of(tile, tile));
      kernels.matmul_tiled(launch, m, n, k, da, db, dc);

      double[] want = new double[m * n];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double acc = 0;
          for (int p = 0; p < k; p++) {
            acc += (double) a[i * k + p] * b[p * n + j];
          }
          want[i * n + j] = acc;
        }
      }
      return Check.report(
          out,
          m + "x" + k + " · " + k + "x" + n,
          Check.maxRelativeError(dc.toFloatArray(), want),
          1e-5);
    }
  }
}
