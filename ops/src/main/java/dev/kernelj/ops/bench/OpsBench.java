package dev.kernelj.ops.bench;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.cuda.CudaOps;
import dev.kernelj.ops.cuda.DevicePort;
import dev.kernelj.ops.kernels.GemmCall;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.IntStream;

/**
 * Measures the ceilings of this GPU (device-to-device copy bandwidth, counting read + write; cuBLAS
 * bf16 GEMM rate at 8192^3) and each op as a fraction of its ceiling: memory-bound ops in GB/s of
 * the bytes they must move, GEMV at decode shapes (1 and 8 rows), prefill matmul and attention in
 * TFLOP/s, paged decode attention in GB/s of the cache it reads. Each figure is the median of many
 * CUDA-event-timed repetitions after a warm-up; inputs rotate over several copies whose total
 * exceeds the L2 cache, so no repetition reads from L2 what the previous one left there.
 * Memory-bound ops and GEMV are also timed {@link #BACK_TO_BACK_LAUNCHES} launches at a time
 * between one pair of events ("b2b"), as a replayed decode graph runs them, so the host's launch
 * cost drops out.
 *
 * <p>With {@code --baseline PATH} (the JSON of {@code ops/scripts/ceilings.py}, measured with
 * PyTorch on the same card in the same run) each op whose shape PyTorch measured also shows
 * PyTorch's figure and our ratio to it. The program needs nothing but the GPU: a case that fails is
 * reported with its error and the run goes on.
 *
 * <p>Usage: {@code OpsBench [--json PATH] [--baseline PATH] [--reps N]}.
 */
public final class OpsBench {
  static final String USAGE = "usage: OpsBench [--json PATH] [--baseline PATH] [--reps N]";

  final CudaOps ops;
  final DevicePort port;
  private final int reps;
  private final Baseline baseline;
  private final List<BenchRow> rows = new ArrayList<>();
  private double copyGbps = Double.NaN;
  private double gemmTflops = Double.NaN;

  OpsBench(CudaOps ops, int reps, Baseline baseline) {
    this.ops = ops;
    this.port = ops.port();
    this.reps = reps;
    this.baseline = baseline;
  }

  public static void main(String[] args) throws IOException {
    Path json = null;
    Path baselinePath = null;
    int reps = 50;
    for (int i = 0; i < args.length; i += 2) {
      String arg = args[i];
      if (!List.of("--json", "--baseline", "--reps").contains(arg)) {
        throw new IllegalArgumentException("unknown argument " + arg + "; " + USAGE);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(arg + " needs a value; " + USAGE);
      }
      String value = args[i + 1];
      switch (arg) {
        case "--json" -> json = Path.of(value);
        case "--baseline" -> baselinePath = Path.of(value);
        default -> reps = Integer.parseInt(value);
      }
    }
    if (reps < 1) {
      throw new IllegalArgumentException("--reps " + reps + " must be at least 1; " + USAGE);
    }
    Baseline baseline = Baseline.none();
    if (baselinePath != null) {
      try {
        baseline = Baseline.load(baselinePath);
      } catch (IOException | RuntimeException e) {
        System.err.println("OpsBench: baseline " + baselinePath + " not used: " + e.getMessage());
      }
    }
    String[] why = new String[1];
    Optional<CudaOps> opened = CudaOps.tryOpen(0, why);
    if (opened.isEmpty()) {
      System.err.println("OpsBench: " + why[0]);
      System.exit(2);
    }
    try (CudaOps ops = opened.get()) {
      OpsBench bench = new OpsBench(ops, reps, baseline);
      bench.run();
      System.out.print(
          BenchReport.table(
              ops.port().deviceName(), bench.copyGbps, bench.gemmTflops, baseline, bench.rows));
      if (json != null) {
        Files.writeString(
            json,
            BenchReport.json(
                ops.port().deviceName(), bench.copyGbps, bench.gemmTflops, baseline, bench.rows));
      }
    }
  }

  /** The rows measured so far, in order. */
  List<BenchRow> rows() {
    return List.copyOf(rows);
  }

  void run() {
    ceilings();
    memoryBoundOps();
    gemv();
    prefillMatmul();
    new AttentionCases(this).run();
  }

  // ---------------------------------------------------------------- measuring

  interface Step {
    void run(int rep);
  }

  /**
   * What one case measured: its median time, the bytes it moves or the operations it does, and the
   * time per launch when launched back to back (NaN when not measured).
   */
  record Measured(double micros, double amount, boolean flops, double backToBackMicros) {
    static Measured bytes(double micros, double bytes) {
      return new Measured(micros, bytes, false, Double.NaN);
    }

    static Measured flops(double micros, double flops) {
      return new Measured(micros, flops, true, Double.NaN);
    }

    /**
     * Single-launch and back-to-back timings of {@code step}, which moves {@code bytes} per launch.
     */
    static Measured bytes(OpsBench bench, Step step, double bytes) {
      double single = bench.medianMicros(step);
      return new Measured(single, bytes, false, bench.backToBackMicros(step));
    }
  }

  interface Case {
    Measured run();
  }

  /**
   * Runs one case and records its row, or its error: a failing case (a missing library, too little
   * memory, a kernel fault) is reported and the run goes on with the next one.
   */
  void attempt(String op, String shape, String torchKey, Case body) {
    try {
      Measured m = body.run();
      double rate = m.flops() ? m.amount() / m.micros() / 1e6 : m.amount() / m.micros() / 1e3;
      double ceiling = m.flops() ? gemmTflops : copyGbps;
      OptionalDouble torch = baseline.torchRate(torchKey);
      double b2bRate =
          m.flops()
              ? m.amount() / m.backToBackMicros() / 1e6
              : m.amount() / m.backToBackMicros() / 1e3;
      rows.add(
          new BenchRow(
              op,
              shape,
              m.micros(),
              rate,
              m.flops() ? "TFLOP/s" : "GB/s",
              rate / ceiling,
              torch.orElse(Double.NaN),
              null,
              m.backToBackMicros(),
              b2bRate));
    } catch (RuntimeException | Error e) {
      String message =
          e.getClass().getSimpleName()
              + ": "
              + String.valueOf(e.getMessage()).strip().replaceAll("\\s*\\R\\s*", "; ");
      rows.add(BenchRow.failed(op, shape, message));
      System.err.println("OpsBench: " + op + " " + shape + " failed: " + message);
      try {
        ops.synchronize(); // let what was queued finish before the next case; a sticky fault shows
        // there too
      } catch (RuntimeException ignored) {
        // already reported with the case that caused it
      }
    }
  }

  /** Median microseconds of one repetition. */
  double medianMicros(Step step) {
    for (int i = 0; i < 5; i++) {
      step.run(i);
    }
    long start = port.createEvent(), end = port.createEvent();
    try {
      double[] us = new double[reps];
      for (int i = 0; i < reps; i++) {
        port.recordEvent(start);
        step.run(i);
        port.recordEvent(end);
        us[i] = port.elapsedMillis(start, end) * 1000.0;
      }
      Arrays.sort(us);
      return us[reps / 2];
    } finally {
      port.destroyEvent(start);
      port.destroyEvent(end);
    }
  }

  /** Launches timed together between one pair of events by {@link #backToBackMicros}. */
  static final int BACK_TO_BACK_LAUNCHES = 20;

  /**
   * Median microseconds per launch of {@value #BACK_TO_BACK_LAUNCHES} launches queued back to back
   * between two events (repetition {@code i} of the step still rotates its inputs), as a replayed
   * decode step runs them: the host's launch cost hides behind the GPU's work.
   */
  double backToBackMicros(Step step) {
    int rounds = Math.max(3, Math.min(reps, 11));
    long start = port.createEvent(), end = port.createEvent();
    try {
      double[] us = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        port.recordEvent(start);
        for (int i = 0; i < BACK_TO_BACK_LAUNCHES; i++) {
          step.run(r * BACK_TO_BACK_LAUNCHES + i);
        }
        port.recordEvent(end);
        us[r] = port.elapsedMillis(start, end) * 1000.0 / BACK_TO_BACK_LAUNCHES;
      }
      Arrays.sort(us);
      return us[rounds / 2];
    } finally {
      port.destroyEvent(start);
      port.destroyEvent(end);
    }
  }

  /**
   * Copies of a tensor whose total size is over twice the L2 cache, so rotating through them
   * defeats it.
   */
  Tensor[] rotating(DType dtype, int... shape) {
    long bytes = Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b) * dtype.byteSize();
    int copies = (int) Math.max(1, Math.min(64, (2 * port.l2CacheBytes() + bytes - 1) / bytes + 1));
    Tensor[] t = new Tensor[copies];
    try {
      for (int i = 0; i < copies; i++) {
        t[i] = ops.empty(dtype, shape);
        ops.fill(t[i], 0.01f * (i + 1));
      }
    } catch (RuntimeException | Error e) {
      close(t);
      throw e;
    }
    return t;
  }

  static void close(Tensor... ts) {
    for (Tensor t : ts) {
      if (t != null) {
        t.close();
      }
    }
  }

  // ---------------------------------------------------------------- cases

  private void ceilings() {
    // 1 GiB each way, bytes read plus written, as ops/scripts/ceilings.py measures PyTorch's copy:
    // a 256 MiB copy measured 11% lower on an H100 (fixed costs weigh more on a shorter copy).
    long copyBytes = 1L << 30;
    try (Tensor a = ops.empty(DType.U8, (int) copyBytes);
        Tensor b = ops.empty(DType.U8, (int) copyBytes)) {
      ops.fill(a, 1);
      double us =
          medianMicros(rep -> port.copyDeviceToDeviceAsync(b.address(), a.address(), copyBytes));
      copyGbps = 2.0 * copyBytes / us / 1e3;
      rows.add(
          new BenchRow(
              "copy (ceiling)",
              "1 GiB",
              us,
              copyGbps,
              "GB/s",
              1.0,
              baseline.copyGbps().orElse(Double.NaN),
              null));
    } catch (RuntimeException | Error e) {
      rows.add(BenchRow.failed("copy (ceiling)", "1 GiB", e.toString()));
    }
    int g = 8192;
    try (Tensor x = ops.empty(DType.BF16, g, g);
        Tensor w = ops.empty(DType.BF16, g, g);
        Tensor out = ops.empty(DType.BF16, g, g)) {
      ops.fill(x, 0.01f);
      ops.fill(w, 0.01f);
      double us =
          medianMicros(
              rep ->
                  port.gemm(
                      new GemmCall(
                          true,
                          false,
                          g,
                          g,
                          g,
                          DType.BF16,
                          w.address(),
                          g,
                          x.address(),
                          g,
                          DType.BF16,
                          out.address(),
                          g,
                          1f,
                          0f)));
      gemmTflops = 2.0 * g * g * g / us / 1e6;
      rows.add(
          new BenchRow(
              "cuBLAS bf16 GEMM (ceiling)",
              g + "^3",
              us,
              gemmTflops,
              "TFLOP/s",
              1.0,
              baseline.gemmTflops().orElse(Double.NaN),
              null));
    } catch (RuntimeException | Error e) {
      rows.add(BenchRow.failed("cuBLAS bf16 GEMM (ceiling)", g + "^3", e.toString()));
    }
  }

  private void memoryBoundOps() {
    int tokens = 4096, dim = 4096, ffn = 14336;
    double act = (double) tokens * dim * 2;
    String shape = tokens + "x" + dim;
    attempt(
        "rmsNorm bf16",
        shape,
        "rmsnorm_4096x4096",
        () ->
            withRotating(
                DType.BF16,
                new int[] {tokens, dim},
                x -> {
                  try (Tensor w = ops.empty(DType.BF16, dim);
                      Tensor out = ops.empty(DType.BF16, tokens, dim)) {
                    ops.fill(w, 1f);
                    return Measured.bytes(
                        this,
                        rep -> ops.rmsNorm(out, x[rep % x.length], w, 1e-5f),
                        2 * act + 2.0 * dim);
                  }
                }));
    attempt(
        "rmsNorm+residual bf16",
        shape,
        null,
        () ->
            withRotating(
                DType.BF16,
                new int[] {tokens, dim},
                x -> {
                  Tensor[] res = rotating(DType.BF16, tokens, dim);
                  try (Tensor w = ops.empty(DType.BF16, dim);
                      Tensor out = ops.empty(DType.BF16, tokens, dim)) {
                    ops.fill(w, 1f);
                    return Measured.bytes(
                        this,
                        rep ->
                            ops.rmsNormResidual(
                                out, res[rep % res.length], x[rep % x.length], w, 1e-5f),
                        4 * act);
                  } finally {
                    close(res);
                  }
                }));
    attempt(
        "residual add bf16",
        shape,
        null,
        () ->
            withRotating(
                DType.BF16,
                new int[] {tokens, dim},
                x -> {
                  Tensor[] res = rotating(DType.BF16, tokens, dim);
                  try {
                    return Measured.bytes(
                        this,
                        rep -> ops.residualAdd(res[rep % res.length], x[rep % x.length]),
                        3 * act);
                  } finally {
                    close(res);
                  }
                }));
    attempt(
        "rope bf16 (in place)",
        tokens + "x32x128",
        null,
        () ->
            withRotating(
                DType.BF16,
                new int[] {tokens, dim},
                x -> {
                  try (Tensor pos =
                      ops.upload(Tensor.fromInts(IntStream.range(0, tokens).toArray(), tokens))) {
                    RopeConfig cfg =
                        new RopeConfig(
                            128,
                            128,
                            500000,
                            RopeConfig.Layout.ROTATE_HALF,
                            new RopeConfig.Llama3(8, 1, 4, 8192));
                    return Measured.bytes(
                        this,
                        rep -> ops.rope(x[rep % x.length].view(tokens, 32, 128), pos, cfg),
                        2 * act);
                  }
                }));
    attempt(
        "swiglu bf16 (fused gate|up)",
        tokens + "x" + ffn,
        "swiglu_4096x14336",
        () ->
            withRotating(
                DType.BF16,
                new int[] {tokens, 2 * ffn},
                gateUp -> {
                  try (Tensor out = ops.empty(DType.BF16, tokens, ffn)) {
                    return Measured.bytes(
                        this,
                        rep ->
                            ops.swiglu(
                                out,
                                gateUp[rep % gateUp.length].slice(1, 0, ffn),
                                gateUp[rep % gateUp.length].slice(1, ffn, 2 * ffn)),
                        3.0 * tokens * ffn * 2);
                  }
                }));
  }

  private void gemv() {
    int[][] shapes = {{4096, 4096}, {14336, 4096}, {4096, 14336}, {128256, 4096}};
    for (int[] nk : shapes) {
      for (int m : new int[] {1, 8}) {
        attempt(
            "gemv bf16 m=" + m,
            nk[0] + "x" + nk[1],
            "gemv_" + m + "x" + nk[0] + "x" + nk[1],
            () ->
                withRotating(
                    DType.BF16,
                    nk,
                    w -> {
                      try (Tensor x = ops.empty(DType.BF16, m, nk[1]);
                          Tensor out = ops.empty(DType.BF16, m, nk[0])) {
                        ops.fill(x, 0.5f);
                        double bytes = 2.0 * nk[0] * nk[1] + 2.0 * m * (nk[0] + nk[1]);
                        return Measured.bytes(
                            this, rep -> ops.matmul(out, x, w[rep % w.length]), bytes);
                      }
                    }));
      }
    }
  }

  private void prefillMatmul() {
    int m = 4096;
    int[][] shapes = {{4096, 4096}, {14336, 4096}, {4096, 14336}};
    for (int[] nk : shapes) {
      attempt(
          "matmul bf16 (cuBLAS)",
          m + "x" + nk[0] + "x" + nk[1],
          null,
          () -> {
            try (Tensor x = ops.empty(DType.BF16, m, nk[1]);
                Tensor w = ops.empty(DType.BF16, nk[0], nk[1]);
                Tensor out = ops.empty(DType.BF16, m, nk[0])) {
              ops.fill(x, 0.01f);
              ops.fill(w, 0.01f);
              return Measured.flops(
                  medianMicros(rep -> ops.matmul(out, x, w)), 2.0 * m * nk[0] * nk[1]);
            }
          });
    }
  }

  interface WithTensors {
    Measured run(Tensor[] tensors);
  }

  /** Runs {@code body} over rotating copies of a tensor, freed afterwards. */
  Measured withRotating(DType dtype, int[] shape, WithTensors body) {
    Tensor[] t = rotating(dtype, shape);
    try {
      return body.run(t);
    } finally {
      close(t);
    }
  }
}
