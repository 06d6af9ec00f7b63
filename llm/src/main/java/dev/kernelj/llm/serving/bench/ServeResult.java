package dev.kernelj.llm.serving.bench;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.ServingStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * vLLM's serving metrics of one run: throughput in requests and tokens per second; TTFT (arrival to
 * first token), TPOT ((latency - TTFT) / (output tokens - 1), requests of more than one token), ITL
 * (gaps between a request's tokens) and E2E latency, each mean/median/p99 in milliseconds; the
 * prefix-cache hit rate, peak KV usage, preemptions and the scheduler's host share of step time
 * over the measured window.
 */
public record ServeResult(
    ServeWorkload workload,
    int completed,
    int unfinished,
    double durationSeconds,
    long inputTokens,
    long outputTokens,
    Distribution ttftMs,
    Distribution tpotMs,
    Distribution itlMs,
    Distribution e2eMs,
    double prefixCacheHitRate,
    double peakKvUsage,
    long preemptions,
    long steps,
    double meanStepMs,
    double hostFraction) {

  static ServeResult of(
      ServeWorkload w,
      List<ServeBenchmark.RequestTimes> times,
      long nanos,
      ServingStats before,
      ServingStats after) {
    int n = times.size();
    double[] ttft = new double[n];
    double[] tpot = new double[n];
    double[] e2e = new double[n];
    int tokenGaps = 0;
    for (ServeBenchmark.RequestTimes t : times) {
      tokenGaps += Math.max(0, t.tokenNanos().length - 1);
    }
    double[] itl = new double[tokenGaps];
    int completed = 0;
    int tpots = 0;
    int gaps = 0;
    long input = 0;
    long output = 0;
    for (ServeBenchmark.RequestTimes t : times) {
      Completion c = t.completion();
      if (c.finishReason() == FinishReason.CANCELLED || c.firstTokenNanos() == 0) {
        continue;
      }
      input += c.promptTokens();
      output += c.tokenIds().length;
      double first = (c.firstTokenNanos() - c.arrivalNanos()) / 1e6;
      double latency = (c.finishNanos() - c.arrivalNanos()) / 1e6;
      ttft[completed] = first;
      e2e[completed] = latency;
      completed++;
      if (c.tokenIds().length > 1) {
        tpot[tpots++] = (latency - first) / (c.tokenIds().length - 1);
      }
      long[] tokens = t.tokenNanos();
      for (int i = 1; i < tokens.length; i++) {
        itl[gaps++] = (tokens[i] - tokens[i - 1]) / 1e6;
      }
    }
    long queries = after.prefixCacheQueries() - before.prefixCacheQueries();
    long hits = after.prefixCacheHits() - before.prefixCacheHits();
    long steps = after.steps() - before.steps();
    long stepNanos = after.stepNanos() - before.stepNanos();
    long hostNanos = after.hostNanos() - before.hostNanos();
    return new ServeResult(
        w,
        completed,
        n - completed,
        nanos / 1e9,
        input,
        output,
        Distribution.of(ttft, completed),
        Distribution.of(tpot, tpots),
        Distribution.of(itl, gaps),
        Distribution.of(e2e, completed),
        queries == 0 ? 0 : (double) hits / queries,
        after.peakKvUsage(),
        after.preemptions() - before.preemptions(),
        steps,
        steps == 0 ? 0 : stepNanos / 1e6 / steps,
        stepNanos == 0 ? 0 : (double) hostNanos / stepNanos);
  }

  public double requestThroughput() {
    return completed / durationSeconds;
  }

  public double outputThroughput() {
    return outputTokens / durationSeconds;
  }

  public double totalThroughput() {
    return (inputTokens + outputTokens) / durationSeconds;
  }

  /** The metrics under vLLM's JSON names (plus KernelJ's scheduler figures). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("num_prompts", workload.numPrompts());
    m.put("input_len", workload.inputLen());
    m.put("output_len", workload.outputLen());
    m.put("range_ratio", workload.rangeRatio());
    m.put("prefix_len", workload.prefixLen());
    m.put(
        "request_rate", Double.isInfinite(workload.requestRate()) ? "inf" : workload.requestRate());
    m.put("max_concurrency", workload.maxConcurrency());
    m.put("completed", completed);
    m.put("unfinished", unfinished);
    m.put("duration", durationSeconds);
    m.put("total_input_tokens", inputTokens);
    m.put("total_output_tokens", outputTokens);
    m.put("request_throughput", requestThroughput());
    m.put("output_throughput", outputThroughput());
    m.put("total_token_throughput", totalThroughput());
    put(m, "ttft", ttftMs);
    put(m, "tpot", tpotMs);
    put(m, "itl", itlMs);
    put(m, "e2el", e2eMs);
    m.put("prefix_cache_hit_rate", prefixCacheHitRate);
    m.put("peak_kv_usage", peakKvUsage);
    m.put("preemptions", preemptions);
    m.put("steps", steps);
    m.put("mean_step_ms", meanStepMs);
    m.put("host_fraction", hostFraction);
    return m;
  }

  private static void put(Map<String, Object> m, String name, Distribution d) {
    m.put("mean_" + name + "_ms", d.mean());
    m.put("median_" + name + "_ms", d.median());
    m.put("p99_" + name + "_ms", d.p99());
  }

  /** The table vLLM's benchmark prints, and the scheduler's figures. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    line(b, "Successful requests", "%d", completed);
    line(b, "Benchmark duration (s)", "%.2f", durationSeconds);
    line(b, "Total input tokens", "%d", inputTokens);
    line(b, "Total generated tokens", "%d", outputTokens);
    line(b, "Request throughput (req/s)", "%.2f", requestThroughput());
    line(b, "Output token throughput (tok/s)", "%.2f", outputThroughput());
    line(b, "Total token throughput (tok/s)", "%.2f", totalThroughput());
    section(b, "Time to First Token", "TTFT", ttftMs);
    section(b, "Time per Output Token (excl. 1st token)", "TPOT", tpotMs);
    section(b, "Inter-token Latency", "ITL", itlMs);
    section(b, "End-to-end Latency", "E2EL", e2eMs);
    b.append(String.format(Locale.ROOT, "%s%n", "-".repeat(18) + "Scheduler" + "-".repeat(18)));
    line(b, "Prefix cache hit rate", "%.1f%%", 100 * prefixCacheHitRate);
    line(b, "Peak KV cache usage", "%.1f%%", 100 * peakKvUsage);
    line(b, "Preemptions", "%d", preemptions);
    line(b, "Steps", "%d", steps);
    line(b, "Mean step (ms)", "%.3f", meanStepMs);
    line(b, "Host share of step time", "%.1f%%", 100 * hostFraction);
    return b.toString();
  }

  private static void section(StringBuilder b, String title, String name, Distribution d) {
    int pad = Math.max(1, (45 - title.length()) / 2);
    b.append(String.format(Locale.ROOT, "%s%s%s%n", "-".repeat(pad), title, "-".repeat(pad)));
    line(b, "Mean " + name + " (ms)", "%.2f", d.mean());
    line(b, "Median " + name + " (ms)", "%.2f", d.median());
    line(b, "P99 " + name + " (ms)", "%.2f", d.p99());
  }

  private static void line(StringBuilder b, String label, String format, Object value) {
    b.append(String.format(Locale.ROOT, "%-40s" + format + "%n", label + ":", value));
  }
}
