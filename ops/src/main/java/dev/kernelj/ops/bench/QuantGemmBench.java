package dev.kernelj.ops.bench;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.cuda.CudaOps;
import dev.kernelj.ops.cuda.QuantizedMatmulOps;
import dev.kernelj.ops.kernels.quant.InputOrder;
import dev.kernelj.ops.kernels.quant.QuantGeometry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Measures the quantized matmul on Llama-3-8B layer shapes (n x k = out x in: 4096x4096 o_proj,
 * 6144x4096 fused qkv, 14336x4096 gate or up, 4096x14336 down_proj), 4-bit, group 128, at decode (1
 * to 64) and prefill (96 to 512) row counts: the mixed-input GEMM in GB/s of the bytes it must move
 * (packed codes, scales and zeros, x and out) and in % of the copy ceiling measured in the same run
 * (decode goal: at least 80 % up to 16 rows); the bf16 matmul on the same shape and rows (the GEMV
 * kernel up to 8 rows, cuBLAS above) and the quantized path's speedup over it (goal at 1 row:
 * 3.2x); the dequantize + cuBLAS path, its ratio to bf16 (prefill goal: at most 1.5x), and the row
 * count from which it beats the GEMM (the crossover the backend's {@code
 * kernelj.quant.denseFromRows} should be set to); a sweep of the dense path's slice size ({@code
 * kernelj.quant.denseSliceBytes}) at 512 rows; 8-bit at 1, 8, 16 and 32 rows, act-order at 1 row,
 * 4- and 8-bit with f16 activations at 1 row (8-bit also at 16); and a sweep of the k split at 1
 * row. Timing as {@link OpsBench}: medians of CUDA-event-timed launches, and 20 launches back to
 * back ("b2b", as a replayed decode graph runs them), weights rotating over copies larger than
 * twice the L2 cache.
 *
 * <p>Usage: {@code QuantGemmBench [--json PATH] [--reps N]}.
 */
public final class QuantGemmBench {
  static final int[][] SHAPES = {{4096, 4096}, {6144, 4096}, {14336, 4096}, {4096, 14336}};
  static final int[] ROWS = {1, 8, 16, 32, 64, 96, 128, 192, 256, 384, 512};
  static final long[] SLICE_BYTES = {8L << 20, 16L << 20, 32L << 20, 64L << 20, 256L << 20};

  private final OpsBench bench;
  private final CudaOps ops;
  private final QuantizedMatmulOps quantized;
  private final StringBuilder json = new StringBuilder();
  private double copyGbps;

  QuantGemmBench(CudaOps ops, int reps) {
    this.ops = ops;
    this.bench = new OpsBench(ops, reps, Baseline.none());
    this.quantized = ops.quantized();
  }

  public static void main(String[] args) throws IOException {
    Path jsonPath = null;
    int reps = 30;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--json" -> jsonPath = Path.of(args[i + 1]);
        case "--reps" -> reps = Integer.parseInt(args[i + 1]);
        default ->
            throw new IllegalArgumentException("usage: QuantGemmBench [--json PATH] [--reps N]");
      }
    }
    String[] why = new String[1];
    Optional<CudaOps> opened = CudaOps.tryOpen(0, why);
    if (opened.isEmpty()) {
      System.err.println("QuantGemmBench: " + why[0]);
      System.exit(2);
    }
    try (CudaOps ops = opened.get()) {
      QuantGemmBench b = new QuantGemmBench(ops, reps);
      b.run();
      if (jsonPath != null) {
        Files.writeString(
            jsonPath,
            "{\"device\": \""
                + ops.port().deviceName()
                + "\", \"copy_gbps\": "
                + b.copyGbps
                + ", \"rows\": [\n"
                + b.json
                + "\n]}\n");
      }
    }
  }

  void run() {
    long copyBytes = 1L << 30;
    try (Tensor a = ops.empty(DType.U8, (int) copyBytes);
        Tensor c = ops.empty(DType.U8, (int) copyBytes)) {
      ops.fill(a, 1);
      double us =
          bench.medianMicros(
              rep -> ops.port().copyDeviceToDeviceAsync(c.address(), a.address(), copyBytes));
      copyGbps = 2.0 * copyBytes / us / 1e3;
    }
    System.out.printf(
        Locale.ROOT,
        "Quantized matmul on %s; copy ceiling %.0f GB/s (1 GiB, read + write); crossover setting"
            + " now %d rows (for weights the few-row kernels take: %s)%n",
        ops.port().deviceName(),
        copyGbps,
        quantized.denseFromRows(),
        Integer.getInteger("kernelj.quant.denseFromRows") != null
            ? "the same"
            : Integer.toString(QuantizedMatmulOps.FEW_DENSE_FROM_ROWS));
    System.out.printf(
        Locale.ROOT,
        "%-24s %5s %9s %9s %8s %7s %9s %8s %9s %10s%n",
        "case",
        "rows",
        "1-launch",
        "b2b us",
        "GB/s",
        "copy%",
        "bf16 us",
        "speedup",
        "dense us",
        "dense/bf16");
    warmUp();
    for (int[] nk : SHAPES) {
      shape(nk[0], nk[1]);
    }
    splitSweep();
  }

  /**
   * The first shape's kernels once, unprinted: without it the table's first rows carried the module
   * loads and the clocks' ramp (an H200 run timed 4096x4096 at 1 row at 46.8 us in the table and
   * 8.2 us in the split sweep after it).
   */
  private void warmUp() {
    int[] first = SHAPES[0];
    Case c = new Case(first[0], first[1], 4, 128, false);
    Tensor[] dense = bench.rotating(DType.BF16, c.n, c.k);
    try (Tensor x = ops.empty(DType.BF16, 16, c.k);
        Tensor out = ops.empty(DType.BF16, 16, c.n)) {
      ops.fill(x, 0.25f);
      for (int m : new int[] {1, 16}) {
        Tensor xm = x.slice(0, 0, m);
        Tensor om = out.slice(0, 0, m);
        bench.backToBackMicros(rep -> quantized.runGemm(om, xm, c.next(rep), 0));
        bench.backToBackMicros(rep -> ops.matmul(om, xm, dense[rep % dense.length]));
      }
    } finally {
      OpsBench.close(dense);
      c.close();
    }
  }

  private void shape(int n, int k) {
    Case q4 = new Case(n, k, 4, 128, false);
    Case q8 = new Case(n, k, 8, 128, false);
    Case act = new Case(n, k, 4, 128, true);
    Tensor[] dense = bench.rotating(DType.BF16, n, k);
    try {
      int crossover = -1;
      for (int m : ROWS) {
        double[] gemmAndDense = row(q4, m, dense, true);
        if (crossover < 0 && gemmAndDense[1] < gemmAndDense[0]) {
          crossover = m;
        }
      }
      for (int m : new int[] {1, 8, 16, 32}) {
        row(q8, m, null, false);
      }
      // f16 activations, as AutoGPTQ's checkpoints (torch_dtype float16) run: other codes.
      row(q4, 1, null, false, DType.F16);
      row(q8, 1, null, false, DType.F16);
      row(q8, 16, null, false, DType.F16);
      row(act, 1, null, false);
      System.out.printf(
          Locale.ROOT,
          "%-24s crossover: dequantize + cuBLAS wins from %s rows%n",
          q4.name,
          crossover < 0 ? "beyond " + ROWS[ROWS.length - 1] : crossover);
      StringBuilder line = new StringBuilder(q4.name + " m=512 dense+cuBLAS us by slice:");
      for (long bytes : SLICE_BYTES) {
        double us = q4.b2bDense(512, bytes);
        line.append(String.format(Locale.ROOT, "  %d MiB %.1f", bytes >> 20, us));
        entry(
            q4.name + " dense slice " + (bytes >> 20) + " MiB",
            512,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            us);
      }
      System.out.println(line);
    } finally {
      OpsBench.close(dense);
      q4.close();
      q8.close();
      act.close();
    }
  }

  /** One table row; returns the GEMM's and the dense path's back-to-back microseconds. */
  private double[] row(Case c, int m, Tensor[] dense, boolean withDense) {
    return row(c, m, dense, withDense, DType.BF16);
  }

  /** One table row with activations of {@code xType} (named " f16x" when not bf16). */
  private double[] row(Case c, int m, Tensor[] dense, boolean withDense, DType xType) {
    String name = xType == DType.BF16 ? c.name : c.name + " f16x";
    try (Tensor x = ops.empty(xType, m, c.k);
        Tensor out = ops.empty(xType, m, c.n)) {
      ops.fill(x, 0.25f);
      double single = bench.medianMicros(rep -> quantized.runGemm(out, x, c.next(rep), 0));
      double b2b = bench.backToBackMicros(rep -> quantized.runGemm(out, x, c.next(rep), 0));
      double bytes = c.bytes + 2.0 * m * (c.k + c.n);
      double gbps = bytes / b2b / 1e3;
      double bf16 = Double.NaN;
      if (dense != null) {
        bf16 = bench.backToBackMicros(rep -> ops.matmul(out, x, dense[rep % dense.length]));
      }
      double viaDense = withDense ? c.b2b(m, true) : Double.NaN;
      double best = Double.isNaN(viaDense) ? b2b : Math.min(b2b, viaDense);
      System.out.printf(
          Locale.ROOT,
          "%-24s %5d %9.1f %9.1f %8.0f %6.1f%% %9s %8s %9s %10s%n",
          name,
          m,
          single,
          b2b,
          gbps,
          100 * gbps / copyGbps,
          Double.isNaN(bf16) ? "-" : String.format(Locale.ROOT, "%.1f", bf16),
          Double.isNaN(bf16) ? "-" : String.format(Locale.ROOT, "%.2fx", bf16 / best),
          Double.isNaN(viaDense) ? "-" : String.format(Locale.ROOT, "%.1f", viaDense),
          Double.isNaN(viaDense) || Double.isNaN(bf16)
              ? "-"
              : String.format(Locale.ROOT, "%.2fx", viaDense / bf16));
      entry(name, m, b2b, gbps, bf16, viaDense);
      return new double[] {b2b, viaDense};
    } catch (RuntimeException e) {
      System.out.println(name + " m=" + m + " FAILED: " + e);
      return new double[] {Double.NaN, Double.NaN};
    }
  }

  /** k split across blocks at 1 row: the planner's choice against forced ones. */
  private void splitSweep() {
    for (int[] nk : new int[][] {{4096, 4096}, {4096, 14336}}) {
      Case c = new Case(nk[0], nk[1], 4, 128, false);
      try (Tensor x = ops.empty(DType.BF16, 1, c.k);
          Tensor out = ops.empty(DType.BF16, 1, c.n)) {
        ops.fill(x, 0.25f);
        StringBuilder line = new StringBuilder(c.name + " m=1 b2b us by k split:");
        for (int s : new int[] {0, 1, 2, 3, 4, 6, 8}) {
          double us = bench.backToBackMicros(rep -> quantized.runGemm(out, x, c.next(rep), s));
          line.append(String.format(Locale.ROOT, "  %s %.1f", s == 0 ? "planned" : s, us));
        }
        System.out.println(line);
      } finally {
        c.close();
      }
    }
  }

  private void entry(String name, int m, double us, double gbps, double bf16, double dense) {
    if (json.length() > 0) {
      json.append(",\n");
    }
    json.append(
        String.format(
            Locale.ROOT,
            "{\"case\": \"%s\", \"rows\": %d, \"b2b_us\": %s, \"gbps\": %s, \"bf16_us\": %s,"
                + " \"dense_us\": %s}",
            name,
            m,
            num(us),
            num(gbps),
            num(bf16),
            num(dense)));
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
  }

  /** Rotating copies of one random packed weight. */
  private final class Case implements AutoCloseable {
    final int n;
    final int k;
    final String name;
    final double bytes;
    final List<QuantizedMatrix> copies = new ArrayList<>();

    Case(int n, int k, int bits, int group, boolean actOrder) {
      this.n = n;
      this.k = k;
      this.name = n + "x" + k + " " + bits + "b g" + group + (actOrder ? " act" : "");
      SplittableRandom random = new SplittableRandom(n * 31L + k + bits);
      int[] groupIndex = new int[k];
      for (int i = 0; i < k; i++) {
        groupIndex[i] = i / group;
      }
      if (actOrder) {
        for (int i = k - 1; i > 0; i--) {
          int j = random.nextInt(i + 1);
          int t = groupIndex[i];
          groupIndex[i] = groupIndex[j];
          groupIndex[j] = t;
        }
      }
      InputOrder order = InputOrder.of(bits, groupIndex, k / group, group);
      QuantGeometry geo = QuantGeometry.of(bits, n, order, false);
      int[] codes = random.ints(Math.toIntExact(geo.codeWords())).toArray();
      int[] meta = new int[Math.toIntExact(geo.metaWords())];
      for (int i = 0; i < meta.length; i++) {
        meta[i] = (1 << (bits - 1)) << 16 | (0x1C00 + random.nextInt(0x400)); // f16 ~0.004..0.008
      }
      Tensor hostCodes = Tensor.fromInts(codes, codes.length);
      Tensor hostMeta = Tensor.fromInts(meta, meta.length);
      Tensor hostMap = order.permuted() ? Tensor.fromInts(order.map(), order.map().length) : null;
      this.bytes = geo.packedBytes();
      int count = (int) Math.max(1, Math.min(64, 2 * ops.port().l2CacheBytes() / bytes + 2));
      for (int i = 0; i < count; i++) {
        copies.add(
            QuantizedMatrix.of(
                geo,
                k,
                ops.upload(hostCodes),
                ops.upload(hostMeta),
                hostMap == null ? null : ops.upload(hostMap)));
      }
    }

    QuantizedMatrix next(int rep) {
      return copies.get(rep % copies.size());
    }

    /** Back-to-back microseconds at {@code m} rows by one path. */
    double b2b(int m, boolean viaDense) {
      try (Tensor x = ops.empty(DType.BF16, m, k);
          Tensor out = ops.empty(DType.BF16, m, n)) {
        ops.fill(x, 0.25f);
        return bench.backToBackMicros(
            rep -> {
              if (viaDense) {
                quantized.runDense(out, x, next(rep));
              } else {
                quantized.runGemm(out, x, next(rep), 0);
              }
            });
      }
    }

    /**
     * Back-to-back microseconds at {@code m} rows by dequantize + cuBLAS in slices of {@code
     * bytes}.
     */
    double b2bDense(int m, long bytes) {
      try (Tensor x = ops.empty(DType.BF16, m, k);
          Tensor out = ops.empty(DType.BF16, m, n)) {
        ops.fill(x, 0.25f);
        return bench.backToBackMicros(rep -> quantized.runDense(out, x, next(rep), bytes));
      }
    }

    @Override
    public void close() {
      copies.forEach(QuantizedMatrix::close);
    }
  }
}
