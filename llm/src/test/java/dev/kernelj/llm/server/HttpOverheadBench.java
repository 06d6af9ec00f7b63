package dev.kernelj.llm.server;

import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServingStats;
import dev.kernelj.llm.serving.bench.Distribution;
import dev.kernelj.llm.serving.bench.ServeBenchmark;
import dev.kernelj.llm.serving.bench.ServeResult;
import dev.kernelj.llm.serving.bench.ServeWorkload;
import dev.kernelj.llm.serving.runtime.ContinuousBatchingEngine;
import dev.kernelj.llm.serving.runtime.StandInEngine;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What HTTP costs the serving engine, with no GPU: the same workload ({@link ServeWorkload}, vLLM's
 * random dataset) served by a {@link StandInEngine} whose steps take a fixed "device" time, once in
 * process as {@code kernelj bench --serve} submits it ({@link ServeBenchmark}) and once through the
 * real {@link OpenAiServer} driven by a lean streaming client ({@link SseLoadClient}: token-id
 * prompts to {@code /v1/completions}, {@code ignore_eos}, streamed with usage, as {@code
 * serve_bench.py} sends them). Prints each way's output tok/s, median TTFT and the engine's own
 * step time (steps, host time per step), and over HTTP where the TTFT goes: client send to engine
 * arrival (split at the client's socket write of the request), the engine's own TTFT, first token
 * to the client's read (one JVM, one clock); and each way, the engine's view of the burst ({@link
 * BurstTimeline}).
 *
 * <pre>
 * java -cp 'bundle/lib/*:bundle/test/llm-test-classes' dev.kernelj.llm.server.HttpOverheadBench \
 *     [--prompts 500] [--input-len 128] [--output-len 128] [--rate inf] [--step-us 4000]
 *     [--token-ns 0] [--wait spin|sleep] [--rounds 3] [--mode both|local|http]
 *     [--client-threads 2] [--max-num-seqs 256] [--max-num-batched-tokens 2048]
 *     [--tokenizer DIR] [--access-log FILE] [--model DIR [--device cuda] [--max-model-len N]]
 * </pre>
 *
 * <p>With {@code --model} the engine is the real one on that model (on the GPU by default): the
 * same comparison as {@code serve_bench.py --suite}, with this lean client in the server's JVM
 * instead of Python client processes beside it, and the TTFT split on one clock.
 */
public final class HttpOverheadBench {
  private static final int VOCAB = 128_256;

  private HttpOverheadBench() {}

  public static void main(String[] args) throws Exception {
    BenchOptions o = BenchOptions.parse(args);
    Tokenizer tokenizer = o.tokenizer() == null ? null : Tokenizer.fromDirectory(o.tokenizer());
    ServeWorkload w =
        new ServeWorkload(o.prompts(), o.inputLen(), o.outputLen(), 0, 0, o.rate(), 0, o.seed());
    String engine =
        o.model() != null
            ? "the model in " + o.model() + " on " + o.device()
            : String.format(
                Locale.ROOT,
                "stand-in steps of %d us + %d ns/token (%s), %s tokenizer",
                o.stepMicros(),
                o.tokenNanos(),
                o.waitMode(),
                tokenizer == null ? "no" : "a");
    System.out.printf(
        Locale.ROOT,
        "%d prompts %d/%d at %s/s, %d cores; engine: %s%n",
        w.numPrompts(),
        w.inputLen(),
        w.outputLen(),
        Double.isInfinite(o.rate()) ? "inf" : o.rate(),
        Runtime.getRuntime().availableProcessors(),
        engine);
    Figures local = null;
    Figures http = null;
    // Per warm round: tok/s share, median and mean TTFT differences, HTTP's extra prefill steps
    // to the median first token.
    List<double[]> warm = new ArrayList<>();
    for (int round = 0; round < o.rounds(); round++) {
      if (!o.mode().equals("http")) {
        local = local(o, tokenizer, w);
        System.out.println(local.line("in process", round));
      }
      if (!o.mode().equals("local")) {
        http = http(o, tokenizer, w);
        System.out.println(http.line("HTTP      ", round));
      }
      if (local != null && http != null) {
        double share = 100 * http.tokensPerSecond() / local.tokensPerSecond();
        double median = http.ttftMs().median() - local.ttftMs().median();
        double mean = http.ttftMs().mean() - local.ttftMs().mean();
        System.out.printf(
            Locale.ROOT,
            "round %d: HTTP against in process: %.1f %% of the output tok/s, step %+.3f ms,"
                + " host per step %+.1f us, TTFT median %+.2f ms, mean %+.2f ms%n",
            round,
            share,
            http.stepMs() - local.stepMs(),
            http.hostMicrosPerStep() - local.hostMicrosPerStep(),
            median,
            mean);
        if (round > 0) {
          warm.add(
              new double[] {
                share,
                median,
                mean,
                http.timeline().stepsToMedian() - local.timeline().stepsToMedian()
              });
        }
      }
    }
    if (!warm.isEmpty()) {
      // Under a burst a request's first token comes at the end of the step that prefills it, so a
      // round's median TTFT moves in whole steps (the stand-in's are 4 ms; the real model's
      // prefill steps are longer) when HTTP delays the engine by a fraction of one: one round's
      // difference is about 0 or about a step, and the median over rounds leans to 0. The mean
      // over rounds estimates the delay without that bias. The difference of the mean TTFTs is
      // smooth but also carries the later requests' waits, which grow with any loss of output
      // tok/s. Round 0 compiles the request path and is left out.
      System.out.printf(
          Locale.ROOT,
          "HTTP against in process over %d warm rounds: %.1f %% of the output tok/s (mean),"
              + " TTFT median difference %+.2f ms (mean; median %+.2f), mean difference %+.2f ms%n",
          warm.size(),
          mean(warm, 0),
          mean(warm, 1),
          median(warm, 1),
          mean(warm, 2));
      // Which prefill step gave the median request its first token decides most of a round's
      // difference (BurstTimeline): group the rounds by how many more steps HTTP needed.
      StringBuilder byStep = new StringBuilder();
      for (int m : new int[] {-1, 0, 1}) {
        List<double[]> rows = warm.stream().filter(r -> Math.signum(r[3]) == m).toList();
        if (!rows.isEmpty()) {
          byStep.append(
              String.format(
                  Locale.ROOT,
                  "%s %s: %d rounds, TTFT median difference %+.2f ms (mean)",
                  byStep.length() == 0 ? "" : ";",
                  m < 0 ? "fewer over HTTP" : m == 0 ? "as many" : "more over HTTP",
                  rows.size(),
                  mean(rows, 1)));
        }
      }
      System.out.println(
          "by prefill steps to the median request's first token, HTTP against in process:"
              + byStep);
    }
  }

  private static double mean(List<double[]> rows, int column) {
    return rows.stream().mapToDouble(r -> r[column]).average().orElse(Double.NaN);
  }

  private static double median(List<double[]> rows, int column) {
    double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** The stand-in engine, or with {@code --model} the real one on that model. */
  private static ContinuousBatchingEngine engine(BenchOptions o, Tokenizer t, ServeWorkload w) {
    if (o.model() != null) {
      return ContinuousBatchingEngine.open(o.model(), o.serving());
    }
    int len = Math.max(512, w.longestRequest());
    int blocks = (o.prompts() + 256) * ((len + 15) / 16) + 1024;
    return StandInEngine.open(
        o.serving(),
        t,
        VOCAB,
        len,
        blocks,
        TimeUnit.MICROSECONDS.toNanos(o.stepMicros()),
        o.tokenNanos(),
        o.waitMode());
  }

  /** Token ids of the random prompts are drawn below this. */
  private static int vocab(ContinuousBatchingEngine engine) {
    return engine.config() == null ? VOCAB : engine.config().vocabSize();
  }

  private static Figures local(BenchOptions o, Tokenizer t, ServeWorkload w) throws Exception {
    try (ContinuousBatchingEngine engine = engine(o, t, w)) {
      RecordingEngine recording = new RecordingEngine(engine);
      ServeResult r = ServeBenchmark.run(recording, vocab(engine), w);
      List<RequestHandle> handles =
          recording.byPrompt(ServeBenchmark.draw(w, vocab(engine)).prompts());
      // ServeBenchmark submits the first request as its clock starts.
      long zero =
          handles.stream().mapToLong(h -> h.completion().join().arrivalNanos()).min().orElse(0);
      return new Figures(
          r.completed(),
          r.unfinished(),
          r.outputThroughput(),
          r.ttftMs(),
          r.itlMs(),
          r.steps(),
          r.meanStepMs(),
          r.meanStepMs() * r.hostFraction() * 1e3,
          null,
          BurstTimeline.of(handles, zero));
    }
  }

  private static Figures http(BenchOptions o, Tokenizer t, ServeWorkload w) throws Exception {
    PrintStream accessLog = new PrintStream(new FileOutputStream(o.accessLog()), true);
    // Not a CopyOnWriteArrayList: each line would copy all before it, on the server's threads.
    Queue<String> lines = new ConcurrentLinkedQueue<>();
    Consumer<String> log =
        line -> {
          accessLog.println(line); // the server's cost of writing its log, as in production
          lines.add(line);
        };
    try (ContinuousBatchingEngine engine = engine(o, t, w);
        OpenAiServer server = new OpenAiServer(ServerConfig.defaults().withPort(0).withLog(log))) {
      server.start();
      RecordingEngine recording = new RecordingEngine(engine);
      server.ready(
          new ServedModel(
              "bench",
              recording,
              o.model() == null ? t : engine.tokenizer(),
              null,
              SamplingSettings.greedy(),
              vocab(engine),
              engine.deviceName(),
              System.currentTimeMillis() / 1000));
      try (SseLoadClient client =
          new SseLoadClient("127.0.0.1", server.port(), o.clientThreads())) {
        String hostPort = "127.0.0.1:" + server.port();
        warmUp(client, hostPort, w, vocab(engine), engine.maxModelLength());
        recording.clear();
        lines.clear();
        ServeBenchmark.Drawn drawn = ServeBenchmark.draw(w, vocab(engine));
        List<SseLoadClient.Call> calls = new ArrayList<>();
        for (int i = 0; i < w.numPrompts(); i++) {
          String body = body(drawn.prompts().get(i), drawn.outputLens()[i]);
          calls.add(new SseLoadClient.Call(SseLoadClient.post("/v1/completions", hostPort, body)));
        }
        ServingStats before = engine.stats();
        ThreadCpu cpu = ThreadCpu.now();
        long start = System.nanoTime();
        List<CompletableFuture<SseLoadClient.Call>> done = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
          long wait = start + (long) (drawn.arrivals()[i] * 1e9) - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          done.add(client.send(calls.get(i)));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
        long nanos = System.nanoTime() - start;
        ServingStats after = engine.stats();
        return HttpFigures.of(
            calls,
            nanos,
            before,
            after,
            recording.byPrompt(drawn.prompts()),
            List.copyOf(lines),
            ThreadCpu.now().since(cpu, 8),
            start);
      }
    } finally {
      accessLog.close();
    }
  }

  /**
   * As {@link ServeBenchmark} warms up in process: a batch as large as the workload's concurrency
   * (at most 256) of short prompts whose output lengths differ by one (within the model length);
   * here it also brings the server's request path to compiled code.
   */
  private static void warmUp(
      SseLoadClient client, String hostPort, ServeWorkload w, int vocab, int maxModelLength) {
    int count = Math.min(256, w.numPrompts());
    List<CompletableFuture<SseLoadClient.Call>> done = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] prompt = new java.util.Random(i).ints(8, 0, vocab).toArray();
      String body = body(prompt, Math.min(2 + i, Math.max(2, maxModelLength - prompt.length)));
      done.add(
          client.send(
              new SseLoadClient.Call(SseLoadClient.post("/v1/completions", hostPort, body))));
    }
    for (CompletableFuture<SseLoadClient.Call> f : done) {
      SseLoadClient.Call c = f.join();
      if (c.error != null) {
        throw new IllegalStateException("a warm-up request failed: " + c.error);
      }
    }
  }

  /** serve_bench.py's request body. */
  private static String body(int[] prompt, int maxTokens) {
    StringBuilder b = new StringBuilder(prompt.length * 7 + 200);
    b.append("{\"model\":\"bench\",\"prompt\":[");
    for (int i = 0; i < prompt.length; i++) {
      b.append(i == 0 ? "" : ",").append(prompt[i]);
    }
    return b.append("],\"max_tokens\":")
        .append(maxTokens)
        .append(",\"temperature\":0,\"ignore_eos\":true,\"stream\":true,")
        .append("\"stream_options\":{\"include_usage\":true}}")
        .toString();
  }

  /**
   * One way's figures.
   *
   * @param split over HTTP, where the median TTFT goes; null in process
   * @param timeline the engine's view of the burst ({@link BurstTimeline})
   */
  record Figures(
      int completed,
      int failed,
      double tokensPerSecond,
      Distribution ttftMs,
      Distribution itlMs,
      long steps,
      double stepMs,
      double hostMicrosPerStep,
      String split,
      BurstTimeline timeline) {
    String line(String where, int round) {
      return String.format(
          Locale.ROOT,
          "%s round %d: %d ok, %d failed, %.0f out tok/s, TTFT median %.2f ms p99 %.2f, ITL"
              + " median %.2f ms, %d steps of %.3f ms (host %.1f us)%s%n    %s",
          where,
          round,
          completed,
          failed,
          tokensPerSecond,
          ttftMs.median(),
          ttftMs.p99(),
          itlMs.median(),
          steps,
          stepMs,
          hostMicrosPerStep,
          split == null ? "" : "\n    " + split,
          timeline.line());
    }
  }
}
