package dev.kernelj.ops.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpsOptions;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.cuda.CudaOps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * What batch invariance costs ({@link OpsOptions#batchInvariant}): the projections of Llama-3-8B
 * and Llama-3.2-1B at 1 to 2048 rows, and paged decode attention at batch 1 to 256 over contexts of
 * 512 and 4096 tokens, each timed on a default backend and on a batch-invariant one (CUDA events,
 * median after a warm-up, weights and caches rotated past the L2 cache as {@link OpsBench} does),
 * with the invariant/default time ratio. For the projections it also reports whether row 0 — one
 * fixed token — came out with the same bits as at one row, in each mode: "no" in the default column
 * is the variation the mode removes, "no" in the invariant column is a failure.
 *
 * <p>Usage: {@code InvarianceBench [--out DIR] [--reps N]}; writes {@code invariance.txt} and
 * {@code invariance.json} under DIR when given.
 */
public final class InvarianceBench {
  static final String USAGE = "usage: InvarianceBench [--out DIR] [--reps N]";
  private static final int[] ROWS = {1, 8, 16, 32, 64, 128, 256, 512, 2048};
  private static final int[] DECODE_BATCHES = {1, 8, 64, 256};
  private static final int[] DECODE_CONTEXTS = {512, 4096};

  /** A projection: {@code name} with weight {@code [n, k]}. */
  record Projection(String name, int n, int k) {}

  static final List<Projection> PROJECTIONS =
      List.of(
          new Projection("8B qkv", 6144, 4096),
          new Projection("8B o", 4096, 4096),
          new Projection("8B gate_up", 28672, 4096),
          new Projection("8B down", 4096, 14336),
          new Projection("1B qkv", 3072, 2048),
          new Projection("1B o", 2048, 2048),
          new Projection("1B gate_up", 16384, 2048),
          new Projection("1B down", 2048, 8192));

  /**
   * One case in both modes; {@code sameBits*} null where not checked; {@code amount} bytes moved
   * (rates in GB/s) and {@code flops} (0 for attention).
   */
  record Row(
      String op,
      String shape,
      double defaultUs,
      double invariantUs,
      double bytes,
      double flops,
      Boolean sameBitsDefault,
      Boolean sameBitsInvariant,
      String error) {
    double ratio() {
      return invariantUs / defaultUs;
    }
  }

  private final CudaOps[] modes;
  private final int reps;
  private final List<Row> rows = new ArrayList<>();

  InvarianceBench(CudaOps defaults, CudaOps invariant, int reps) {
    this.modes = new CudaOps[] {defaults, invariant};
    this.reps = reps;
  }

  public static void main(String[] args) throws IOException {
    Path out = null;
    int reps = 30;
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length || !List.of("--out", "--reps").contains(args[i])) {
        throw new IllegalArgumentException("bad argument " + args[i] + "; " + USAGE);
      }
      if (args[i].equals("--out")) {
        out = Path.of(args[i + 1]);
      } else {
        reps = Integer.parseInt(args[i + 1]);
      }
    }
    String[] why = new String[1];
    Optional<CudaOps> defaults = CudaOps.tryOpen(0, why);
    if (defaults.isEmpty()) {
      System.err.println("InvarianceBench: " + why[0]);
      System.exit(2);
    }
    try (CudaOps d = defaults.get();
        CudaOps inv = CudaOps.open(0, OpsOptions.batchInvariantMode())) {
      InvarianceBench bench = new InvarianceBench(d, inv, Math.max(1, reps));
      bench.run();
      String table = bench.table(d.name());
      System.out.print(table);
      if (out != null) {
        Files.createDirectories(out);
        Files.writeString(out.resolve("invariance.txt"), table);
        Files.writeString(out.resolve("invariance.json"), bench.json(d.name()));
      }
    }
  }

  void run() {
    for (Projection p : PROJECTIONS) {
      projection(p);
    }
    for (int context : DECODE_CONTEXTS) {
      for (int batch : DECODE_BATCHES) {
        decode(batch, context);
      }
    }
  }

  private void projection(Projection p) {
    Random random = new Random(p.n() * 31L + p.k());
    int maxRows = ROWS[ROWS.length - 1];
    Tensor w = Tensor.fromFloats(DType.BF16, uniform(random, p.n() * p.k()), p.n(), p.k());
    Tensor x = Tensor.fromFloats(DType.BF16, uniform(random, maxRows * p.k()), maxRows, p.k());
    double[][] us = new double[2][ROWS.length];
    Boolean[][] same = new Boolean[2][ROWS.length];
    String[] errors = new String[ROWS.length];
    for (int mode = 0; mode < 2; mode++) {
      CudaOps ops = modes[mode];
      OpsBench timer = new OpsBench(ops, reps, Baseline.none());
      Tensor[] rotating = null;
      try (Tensor dw = ops.upload(w);
          Tensor dx = ops.upload(x);
          Tensor dout = ops.empty(DType.BF16, maxRows, p.n())) {
        rotating = timer.rotating(DType.BF16, p.n(), p.k());
        float[] alone = row0(ops, dout, dx, dw, 1);
        for (int i = 0; i < ROWS.length; i++) {
          int m = ROWS[i];
          try {
            same[mode][i] = Arrays.equals(alone, row0(ops, dout, dx, dw, m));
            Tensor[] ws = rotating;
            Tensor xs = dx.slice(0, 0, m), os = dout.slice(0, 0, m);
            us[mode][i] = timer.medianMicros(rep -> ops.matmul(os, xs, ws[rep % ws.length]));
          } catch (RuntimeException e) {
            errors[i] = (mode == 0 ? "default: " : "invariant: ") + e.getMessage();
            us[mode][i] = Double.NaN;
          }
        }
      } finally {
        if (rotating != null) {
          OpsBench.close(rotating);
        }
      }
    }
    for (int i = 0; i < ROWS.length; i++) {
      int m = ROWS[i];
      double bytes = 2.0 * p.n() * p.k() + 2.0 * m * (p.n() + p.k());
      rows.add(
          new Row(
              "matmul " + p.name(),
              "M" + m + " " + p.n() + "x" + p.k(),
              us[0][i],
              us[1][i],
              bytes,
              2.0 * m * p.n() * p.k(),
              same[0][i],
              same[1][i],
              errors[i]));
    }
  }

  /** Row 0 of the {@code m}-row product, on the host (a raw bit pattern per element). */
  private static float[] row0(CudaOps ops, Tensor out, Tensor x, Tensor w, int m) {
    ops.matmul(out.slice(0, 0, m), x.slice(0, 0, m), w);
    return ops.toHost(out.slice(0, 0, 1)).toFloatArray();
  }

  private void decode(int batch, int context) {
    double[] us = new double[2];
    String error = null;
    double bytes = 0;
    for (int mode = 0; mode < 2; mode++) {
      OpsBench timer = new OpsBench(modes[mode], reps, Baseline.none());
      new AttentionCases(timer).decode(batch, context);
      BenchRow r = timer.rows().get(timer.rows().size() - 1);
      us[mode] = r.micros();
      bytes = r.rate() * r.micros() * 1e3;
      error = error != null ? error : r.error();
    }
    rows.add(
        new Row(
            "paged decode attention",
            "B" + batch + " ctx " + context + " (32/8 heads, D128)",
            us[0],
            us[1],
            bytes,
            0,
            null,
            null,
            error));
  }

  private static float[] uniform(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextFloat() * 2 - 1;
    }
    return v;
  }

  String table(String device) {
    StringBuilder s = new StringBuilder();
    s.append("Batch invariance cost on ").append(device).append('\n');
    s.append(
        String.format(
            "%-24s %-34s %10s %10s %7s %9s %9s %8s %8s  %s%n",
            "op",
            "shape",
            "default us",
            "invar. us",
            "ratio",
            "inv GB/s",
            "inv TF/s",
            "def same",
            "inv same",
            "error"));
    for (Row r : rows) {
      s.append(
          String.format(
              "%-24s %-34s %10.1f %10.1f %7.2f %9.0f %9.1f %8s %8s  %s%n",
              r.op(),
              r.shape(),
              r.defaultUs(),
              r.invariantUs(),
              r.ratio(),
              r.bytes() / r.invariantUs() / 1e3,
              r.flops() / r.invariantUs() / 1e6,
              yesNo(r.sameBitsDefault()),
              yesNo(r.sameBitsInvariant()),
              r.error() == null ? "" : r.error()));
    }
    s.append("same: row 0 has the bits it has at M=1 (default \"no\" is what the mode removes)\n");
    return s.toString();
  }

  private static String yesNo(Boolean b) {
    return b == null ? "-" : b ? "yes" : "no";
  }

  String json(String device) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode().put("device", device);
    ArrayNode cases = root.putArray("cases");
    for (Row r : rows) {
      ObjectNode c = cases.addObject().put("op", r.op()).put("shape", r.shape());
      c.put("default_us", BenchReport.number(r.defaultUs()));
      c.put("invariant_us", BenchReport.number(r.invariantUs()));
      c.put("invariant_over_default", BenchReport.number(r.ratio()));
      c.put("invariant_gbps", BenchReport.number(r.bytes() / r.invariantUs() / 1e3));
      c.put("default_gbps", BenchReport.number(r.bytes() / r.defaultUs() / 1e3));
      c.put("invariant_tflops", BenchReport.number(r.flops() / r.invariantUs() / 1e6));
      c.put("default_tflops", BenchReport.number(r.flops() / r.defaultUs() / 1e6));
      c.put("row_same_bits_default", r.sameBitsDefault());
      c.put("row_same_bits_invariant", r.sameBitsInvariant());
      c.put("error", r.error());
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
  }
}
