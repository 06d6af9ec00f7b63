package dev.kernelj.runtime.bench;

import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.cache.CacheKey;
import dev.kernelj.runtime.cache.KernelCache;
import dev.kernelj.runtime.cuda.Cuda;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.CudaFunction;
import dev.kernelj.runtime.cuda.CudaGraph;
import dev.kernelj.runtime.cuda.CudaStream;
import dev.kernelj.runtime.cuda.LoadedKernelModule;
import dev.kernelj.runtime.cuda.PrecompiledKernel;
import dev.kernelj.runtime.driver.Driver;
import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.KernelSource;
import dev.kernelj.runtime.kernel.ParamBlock;
import dev.kernelj.runtime.nvrtc.CompileOptions;
import dev.kernelj.runtime.nvrtc.Nvrtc;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runtime benchmarks on a GPU (a program, not a test): host cost of one generated-style launch vs a
 * naive JNA launch, 100 small kernels launched one by one vs replayed as a CUDA graph, NVRTC cold
 * compile vs warm cache, and process start to first kernel done. Prints a table; writes JSON to the
 * path given as the first argument, if any.
 *
 * <pre>java -cp ... dev.kernelj.runtime.bench.RuntimeBench [results.json]</pre>
 */
public final class RuntimeBench {
  static final String KERNELS =
      """
      extern "C" __global__ void empty(int x) { }
      extern "C" __global__ void bump(int* p, int n) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) p[i] += 1;
      }
      """;

  /**
   * The owner of the benchmark's kernels; it has no precompiled resources, so loading uses NVRTC.
   */
  interface BenchKernels {}

  private final Map<String, Object> results = new LinkedHashMap<>();
  private final List<String[]> rows = new ArrayList<>();

  public static void main(String[] args) throws IOException {
    long mainAt = System.currentTimeMillis();
    long t0 = System.nanoTime();
    String reason = Cuda.unavailableReason(); // opens libcuda, cuInit, counts devices
    long tInit = System.nanoTime();
    if (reason != null) {
      System.out.println("RuntimeBench: no GPU here (" + reason + "); nothing to measure.");
      return;
    }
    new RuntimeBench().run(mainAt, t0, tInit, args.length > 0 ? Path.of(args[0]) : null);
  }

  private void run(long mainAt, long t0, long tInit, Path json) throws IOException {
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    Path cacheDir = Files.createTempDirectory("kernelj-bench-cache");
    try (CudaContext ctx = Cuda.context(0)) {
      long tCtx = System.nanoTime();
      ctx.setKernelCache(new KernelCache(cacheDir));
      KernelSource source =
          new KernelSource(
              BenchKernels.class,
              KERNELS,
              PrecompiledKernel.sha256(KERNELS),
              List.of(),
              List.of(
                  new KernelBinding("empty", "empty", new int[] {4}, 0, 0),
                  new KernelBinding("bump", "bump", new int[] {8, 4}, 0, 0)));
      LoadedKernelModule module = ctx.load(source);
      long tLoad = System.nanoTime();
      CudaFunction empty = module.cudaFunction(0);
      Launch one = Launch.grid(1).block(32);
      launchGenerated(empty, one, 0);
      ctx.synchronize();
      long tFirst = System.nanoTime();
      long firstKernelDoneAt = mainAt + (tFirst - t0) / 1_000_000;

      String device = ctx.device().name();
      results.put("device", device);
      results.put("driverVersion", Cuda.driverVersion());
      results.put("nvrtcVersion", Nvrtc.versionString());
      row("device", device, "");
      startup(jvmStart, mainAt, firstKernelDoneAt, t0, tInit, tCtx, tLoad, tFirst);
      launchOverhead(ctx, empty, module);
      graphVsLaunches(ctx, module.cudaFunction(1));
      compileVsCache(ctx, cacheDir);
    }
    print();
    if (json != null) {
      Files.writeString(json, toJson(results));
      System.out.println("wrote " + json);
    }
  }

  /** What generated launchers do: write arguments into the block under its lock, then launch. */
  private static void launchGenerated(CudaFunction f, Launch launch, int value) {
    ParamBlock p = f.params();
    synchronized (p) {
      p.putInt(0, value);
      f.launch(launch);
    }
  }

  private void startup(
      long jvmStart,
      long mainAt,
      long firstDoneAt,
      long t0,
      long tInit,
      long tCtx,
      long tLoad,
      long tFirst) {
    long total = firstDoneAt - jvmStart;
    results.put("startToFirstKernelMs", total);
    results.put("jvmToMainMs", mainAt - jvmStart);
    results.put("cudaInitMs", ms(tInit - t0));
    results.put("contextMs", ms(tCtx - tInit));
    results.put("nvrtcCompileAndLoadMs", ms(tLoad - tCtx));
    results.put("firstLaunchAndSyncMs", ms(tFirst - tLoad));
    row(
        "process start -> first kernel done",
        total + " ms",
        String.format(
            "JVM %d ms, cuInit %.1f ms, context %.1f ms, NVRTC+load %.1f ms (cold cache), launch+sync %.2f ms",
            mainAt - jvmStart,
            ms(tInit - t0),
            ms(tCtx - tInit),
            ms(tLoad - tCtx),
            ms(tFirst - tLoad)));
  }

  private void launchOverhead(CudaContext ctx, CudaFunction empty, LoadedKernelModule module) {
    try (CudaStream stream = ctx.createNonBlockingStream()) {
      launchOverheadOn(ctx, empty, Launch.grid(1).block(32), "legacy default stream");
      launchOverheadOn(ctx, empty, Launch.grid(1).block(32).on(stream), "non-blocking stream");
    }
  }

  /**
   * Host time per launch, in batches short enough (256) that the GPU drains the queue between them:
   * a full launch queue would make the host wait and measure the GPU instead.
   */
  private void launchOverheadOn(
      CudaContext ctx, CudaFunction empty, Launch launch, String streamName) {
    NaiveLauncher naive = new NaiveLauncher(empty.handle());
    int batch = 256;
    int batches = 400;
    double[] generated = new double[batches];
    double[] naiveNs = new double[batches];
    for (int warm = 0; warm < 20_000; warm++) {
      launchGenerated(empty, launch, warm);
      naive.launch(launch, warm);
      if (warm % 256 == 0) {
        ctx.synchronize();
      }
    }
    ctx.synchronize();
    for (int b = 0; b < batches; b++) {
      long s = System.nanoTime();
      for (int i = 0; i < batch; i++) {
        launchGenerated(empty, launch, i);
      }
      generated[b] = (System.nanoTime() - s) / (double) batch;
      ctx.synchronize();
      s = System.nanoTime();
      for (int i = 0; i < batch; i++) {
        naive.launch(launch, i);
      }
      naiveNs[b] = (System.nanoTime() - s) / (double) batch;
      ctx.synchronize();
    }
    double g = median(generated);
    double n = median(naiveNs);
    String key = streamName.startsWith("legacy") ? "DefaultStream" : "NonBlockingStream";
    results.put("launchNsGenerated" + key, g);
    results.put("launchNsNaiveJna" + key, n);
    row(
        "launch, generated-style, " + streamName,
        String.format("%.2f us", g / 1000),
        "median of " + batches + " batches of " + batch + "; goal <= 3 us");
    row(
        "launch, naive JNA (Pointer[] per call), " + streamName,
        String.format("%.2f us", n / 1000),
        String.format("%.1fx the generated-style cost", n / g));
  }

  private void graphVsLaunches(CudaContext ctx, CudaFunction bump) {
    int kernels = 100;
    int n = 1024;
    try (CudaStream s = ctx.createNonBlockingStream();
        var buf = ctx.allocate(dev.kernelj.dsl.I32.class, n)) {
      buf.fill32(0, null);
      ctx.synchronize();
      Launch launch = Launch.grid(Launch.blocksFor(n, 256)).block(256).on(s);
      Runnable hundred =
          () -> {
            for (int k = 0; k < kernels; k++) {
              ParamBlock p = bump.params();
              synchronized (p) {
                p.putPointer(0, buf, "p");
                p.putInt(8, n);
                bump.launch(launch);
              }
            }
          };
      try (CudaGraph graph = CudaGraph.capture(s, hundred)) {
        int reps = 50;
        double[] direct = new double[reps];
        double[] replay = new double[reps];
        for (int r = 0; r < reps + 5; r++) {
          long t = System.nanoTime();
          hundred.run();
          s.synchronize();
          long mid = System.nanoTime();
          graph.launch(s);
          s.synchronize();
          long end = System.nanoTime();
          if (r >= 5) {
            direct[r - 5] = (mid - t) / 1000.0;
            replay[r - 5] = (end - mid) / 1000.0;
          }
        }
        int expected = (reps + 5) * 2 * kernels;
        int got = buf.toIntArray()[n - 1];
        if (got != expected) {
          throw new IllegalStateException(
              "graph benchmark computed " + got + ", expected " + expected);
        }
        double d = median(direct);
        double g = median(replay);
        results.put("hundredKernelsLaunchedUs", d);
        results.put("hundredKernelsGraphUs", g);
        row("100 small kernels, launched + sync", String.format("%.1f us", d), "median of " + reps);
        row(
            "100 small kernels, graph replay + sync",
            String.format("%.1f us", g),
            String.format("%.2fx faster", d / g));
      }
    }
  }

  private void compileVsCache(CudaContext ctx, Path cacheDir) {
    String arch =
        Nvrtc.targetFor(ctx.device().computeCapability().number(), Nvrtc.supportedArchs());
    CompileOptions options = Nvrtc.defaultOptions(arch);
    KernelCache cache = new KernelCache(cacheDir.resolve("compile-bench"));
    int reps = 5;
    double[] cold = new double[reps];
    double[] warm = new double[reps];
    for (int r = 0; r < reps; r++) {
      String src = KERNELS + "\n// variant " + r + " " + System.nanoTime() + "\n";
      CacheKey key =
          new CacheKey(
              src,
              options.toArgs(),
              arch,
              Nvrtc.versionString(),
              Driver.driverVersion(),
              List.of("bump"));
      long t = System.nanoTime();
      cache.getOrCompile(key, () -> Nvrtc.compile(src, "bench.cu", options, List.of("bump")));
      long mid = System.nanoTime();
      KernelCache.Lookup hit =
          cache.getOrCompile(
              key,
              () -> {
                throw new IllegalStateException("expected a cache hit");
              });
      long end = System.nanoTime();
      if (!hit.hit()) {
        throw new IllegalStateException("expected a cache hit");
      }
      cold[r] = ms(mid - t);
      warm[r] = ms(end - mid);
    }
    double c = median(cold);
    double w = median(warm);
    results.put("nvrtcColdCompileMs", c);
    results.put("kernelCacheHitMs", w);
    row(
        "NVRTC cold compile (" + arch + ")",
        String.format("%.1f ms", c),
        "median of " + reps + " fresh sources");
    row(
        "kernel cache hit",
        String.format("%.3f ms", w),
        String.format("%.0fx faster than compiling", c / w));
  }

  private void row(String what, String value, String note) {
    rows.add(new String[] {what, value, note});
  }

  private void print() {
    int w0 = rows.stream().mapToInt(r -> r[0].length()).max().orElse(10);
    int w1 = rows.stream().mapToInt(r -> r[1].length()).max().orElse(10);
    System.out.println();
    System.out.println("KernelJ runtime benchmark");
    for (String[] r : rows) {
      System.out.printf("  %-" + w0 + "s  %" + w1 + "s  %s%n", r[0], r[1], r[2]);
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static String toJson(Map<String, Object> map) {
    StringBuilder sb = new StringBuilder("{\n");
    int i = 0;
    for (Map.Entry<String, Object> e : map.entrySet()) {
      Object v = e.getValue();
      String value =
          v instanceof Number
              ? v.toString()
              : "\"" + v.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      sb.append("  \"")
          .append(e.getKey())
          .append("\": ")
          .append(value)
          .append(++i < map.size() ? ",\n" : "\n");
    }
    return sb.append("}\n").toString();
  }
}
