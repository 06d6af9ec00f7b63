package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingStats;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToDoubleFunction;

/**
 * vLLM's serving metrics under a {@code kernelj:} prefix, labelled with {@code model_name}: the
 * scheduler's state read from {@link ServingEngine#stats()} at scrape time (requests running and
 * waiting, KV blocks, prefix cache, preemptions) and what the server sees finish (token counters,
 * TTFT, inter-token and end-to-end latency histograms, requests by finish reason).
 */
final class ServerMetrics {
  private static final double[] TTFT_BUCKETS = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0
  };
  private static final double[] ITL_BUCKETS = {
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75,
    1.0, 2.5, 5.0, 10.0, 20.0, 80.0
  };
  private static final double[] E2E_BUCKETS = {
    0.01, 0.05, 0.1, 0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0,
    60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0
  };
  private static final double[] TOKEN_BUCKETS = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final ServingEngine engine;
  private final String model;
  private volatile ServingStats current;
  private final Counter promptTokens;
  private final Counter generationTokens;
  private final Counter requestSuccess;
  private final Histogram timeToFirstToken;
  private final Histogram interTokenLatency;
  private volatile Series series; // the model's series, looked up at the first use
  private volatile DistributionDataPoint ttft; // looked up at the first first token
  // Looked up at each reason's first use: a label lookup builds a list and hashes it.
  private final AtomicReferenceArray<CounterDataPoint> successByReason =
      new AtomicReferenceArray<>(FinishReason.values().length);
  private final Histogram endToEnd;
  private final Histogram requestPromptTokens;
  private final Histogram requestGenerationTokens;

  ServerMetrics(ServingEngine engine, String model) {
    this.engine = engine;
    this.model = model;
    this.current = engine.stats();
    gauge("num_requests_running", "Requests in the running batch.", ServingStats::running);
    gauge("num_requests_waiting", "Requests waiting to be scheduled.", ServingStats::waiting);
    gauge(
        "kv_cache_usage_perc",
        "Fraction of KV-cache blocks in use (1 = full).",
        ServingStats::kvUsage);
    gauge("kv_cache_blocks_used", "KV-cache blocks held by requests.", ServingStats::kvBlocksUsed);
    gauge("kv_cache_blocks_total", "KV-cache blocks in the pool.", ServingStats::kvBlocksTotal);
    gauge(
        "prefix_cache_hit_rate",
        "Fraction of looked-up prompt tokens found in the prefix cache.",
        ServingStats::prefixCacheHitRate);
    counter(
        "prefix_cache_queries",
        "Prompt tokens looked up in the prefix cache.",
        ServingStats::prefixCacheQueries);
    counter(
        "prefix_cache_hits",
        "Prompt tokens found in the prefix cache.",
        ServingStats::prefixCacheHits);
    counter("num_preemptions", "Requests preempted.", ServingStats::preemptions);
    promptTokens =
        Counter.builder()
            .name("kernelj:prompt_tokens")
            .help("Prompt tokens of finished requests.")
            .labelNames("model_name")
            .register(registry);
    generationTokens =
        Counter.builder()
            .name("kernelj:generation_tokens")
            .help("Tokens generated.")
            .labelNames("model_name")
            .register(registry);
    requestSuccess =
        Counter.builder()
            .name("kernelj:request_success")
            .help("Requests finished, by reason.")
            .labelNames("model_name", "finished_reason")
            .register(registry);
    timeToFirstToken =
        histogram("time_to_first_token_seconds", "Time to first token.", TTFT_BUCKETS);
    interTokenLatency =
        histogram("inter_token_latency_seconds", "Time between output tokens.", ITL_BUCKETS);
    endToEnd =
        histogram(
            "e2e_request_latency_seconds", "Request latency, arrival to finish.", E2E_BUCKETS);
    requestPromptTokens =
        histogram("request_prompt_tokens", "Prompt tokens per request.", TOKEN_BUCKETS);
    requestGenerationTokens =
        histogram("request_generation_tokens", "Generated tokens per request.", TOKEN_BUCKETS);
  }

  private void gauge(String name, String help, ToDoubleFunction<ServingStats> value) {
    GaugeWithCallback.builder()
        .name("kernelj:" + name)
        .help(help)
        .labelNames("model_name")
        .callback(cb -> cb.call(value.applyAsDouble(current), model))
        .register(registry);
  }

  private void counter(String name, String help, ToDoubleFunction<ServingStats> value) {
    CounterWithCallback.builder()
        .name("kernelj:" + name)
        .help(help)
        .labelNames("model_name")
        .callback(cb -> cb.call(value.applyAsDouble(current), model))
        .register(registry);
  }

  private Histogram histogram(String name, String help, double[] buckets) {
    return Histogram.builder()
        .name("kernelj:" + name)
        .help(help)
        .labelNames("model_name")
        .classicUpperBounds(buckets)
        .classicOnly()
        .register(registry);
  }

  /**
   * The data points of the model's series, looked up once: a label lookup builds a list and hashes
   * it, on every token for the inter-token histogram. They appear in the exposition together, at
   * the first request's first token.
   */
  private final class Series {
    final DistributionDataPoint interTokenLatency =
        ServerMetrics.this.interTokenLatency.labelValues(model);
    final CounterDataPoint promptTokens = ServerMetrics.this.promptTokens.labelValues(model);
    final CounterDataPoint generationTokens =
        ServerMetrics.this.generationTokens.labelValues(model);
    final DistributionDataPoint requestPromptTokens =
        ServerMetrics.this.requestPromptTokens.labelValues(model);
    final DistributionDataPoint requestGenerationTokens =
        ServerMetrics.this.requestGenerationTokens.labelValues(model);
    final DistributionDataPoint endToEnd = ServerMetrics.this.endToEnd.labelValues(model);
  }

  private Series series() {
    Series s = series;
    if (s == null) {
      series = s = new Series(); // two threads may both make one: the same data points
    }
    return s;
  }

  /**
   * The TTFT series, looked up at its first observation (not with {@link Series}: it appears in the
   * exposition only once a request has had a first token).
   */
  private DistributionDataPoint ttft() {
    DistributionDataPoint p = ttft;
    if (p == null) {
      ttft = p = timeToFirstToken.labelValues(model); // two threads may both look: the same point
    }
    return p;
  }

  /** The success counter of requests that finished for {@code reason}, looked up once. */
  private CounterDataPoint success(FinishReason reason) {
    CounterDataPoint p = successByReason.get(reason.ordinal());
    if (p == null) {
      p = requestSuccess.labelValues(model, reason.name().toLowerCase(Locale.ROOT));
      successByReason.set(reason.ordinal(), p);
    }
    return p;
  }

  /** Records one gap between successive deltas of a request. */
  void interTokenLatency(long nanos) {
    series().interTokenLatency.observe(nanos / 1e9);
  }

  /** Records a finished request. */
  void finished(Completion c) {
    Series s = series();
    int generated = c.tokenIds().length;
    s.promptTokens.inc(c.promptTokens());
    s.generationTokens.inc(generated);
    success(c.finishReason()).inc();
    s.requestPromptTokens.observe(c.promptTokens());
    s.requestGenerationTokens.observe(generated);
    if (c.firstTokenNanos() != 0) {
      ttft().observe((c.firstTokenNanos() - c.arrivalNanos()) / 1e9);
    }
    s.endToEnd.observe((c.finishNanos() - c.arrivalNanos()) / 1e9);
  }

  /** The Prometheus text exposition of every metric, the engine's state read now. */
  synchronized byte[] scrape() {
    current = engine.stats();
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try {
      writer.write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory failed", e);
    }
    return out.toByteArray();
  }

  String contentType() {
    return writer.getContentType();
  }
}
