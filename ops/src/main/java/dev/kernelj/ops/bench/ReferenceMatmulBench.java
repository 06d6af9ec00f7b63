package dev.kernelj.ops.bench;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Float16;
import dev.kernelj.ops.kernels.Gemv;
import dev.kernelj.ops.kernels.quant.QuantGemmReference;
import dev.kernelj.ops.kernels.quant.QuantGeometry;
import dev.kernelj.ops.kernels.quant.QuantLayout;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times the reference backend's matmuls, the CPU fallback's hot loops, on Llama-3-8B layer shapes
 * (n x k = out x in): the quantized GEMM's Java twin ({@link QuantGemmReference#gemm}, 4- and
 * 8-bit, group 128, packed words of random codes) and the dense one ({@link Gemv#matmulReference},
 * bf16 weights held as floats), at 1 and 16 rows of x. Each figure is the best of {@code --reps}
 * calls (after one warm-up call), in ms and in multiply-adds a second; no GPU needed.
 *
 * <p>Usage: {@code ReferenceMatmulBench [--reps N]}.
 */
public final class ReferenceMatmulBench {
  static final int[][] SHAPES = {{4096, 4096}, {14336, 4096}, {4096, 14336}};
  static final int[] ROWS = {1, 16};
  private static final int GROUP = 128;

  private ReferenceMatmulBench() {}

  public static void main(String[] args) {
    int reps = 5;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--reps") && i + 1 < args.length) {
        reps = Integer.parseInt(args[++i]);
      } else {
        System.err.println("usage: ReferenceMatmulBench [--reps N]");
        System.exit(2);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%-10s %-12s %5s %10s %12s%n",
        "weights",
        "n x k",
        "rows",
        "best ms",
        "GMAC/s");
    SplittableRandom random = new SplittableRandom(1);
    for (int[] shape : SHAPES) {
      for (int bits : new int[] {4, 8}) {
        for (int m : ROWS) {
          report(bits + "-bit", shape, m, quantized(bits, shape[0], shape[1], m, random), reps);
        }
      }
      for (int m : ROWS) {
        report("bf16", shape, m, dense(shape[0], shape[1], m, random), reps);
      }
    }
  }

  private static void report(String weights, int[] shape, int m, Runnable call, int reps) {
    call.run();
    long best = Long.MAX_VALUE;
    for (int r = 0; r < reps; r++) {
      long t0 = System.nanoTime();
      call.run();
      best = Math.min(best, System.nanoTime() - t0);
    }
    double macs = (double) m * shape[0] * shape[1];
    System.out.printf(
        Locale.ROOT,
        "%-10s %-12s %5d %10.2f %12.2f%n",
        weights,
        shape[0] + "x" + shape[1],
        m,
        best / 1e6,
        macs / best);
  }

  /** One call of the quantized twin on random codes, scales of f16 0.001-0.01, random zeros. */
  private static Runnable quantized(int bits, int n, int k, int m, SplittableRandom random) {
    QuantGeometry geo = new QuantGeometry(bits, n, k, k, GROUP, k / GROUP, false);
    int[] codes = new int[Math.toIntExact(geo.codeWordsPerRowTile() * geo.rowTiles())];
    int[] meta = new int[Math.toIntExact(geo.metaWordsPerRowTile() * geo.rowTiles())];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = random.nextInt();
    }
    for (int i = 0; i < meta.length; i++) {
      short scale = Float16.fromFloat((float) (0.001 + 0.009 * random.nextDouble()));
      meta[i] = QuantLayout.metaWord(scale, random.nextInt(1 << bits));
    }
    float[] x = floats(m * k, random);
    float[] out = new float[m * n];
    return () -> QuantGemmReference.gemm(DType.F32, out, 0, n, x, 0, k, m, geo, codes, 0, meta, 0);
  }

  /** One call of the dense twin, weights rounded to bf16 as the backend holds a bf16 model. */
  private static Runnable dense(int n, int k, int m, SplittableRandom random) {
    float[] w = floats(n * k, random);
    float[] x = floats(m * k, random);
    float[] out = new float[m * n];
    return () -> Gemv.matmulReference(DType.BF16, DType.F32, out, 0, n, x, 0, k, w, 0, k, m, n, k);
  }

  private static float[] floats(int count, SplittableRandom random) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }
}
