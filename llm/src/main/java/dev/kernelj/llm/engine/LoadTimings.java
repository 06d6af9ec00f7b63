package dev.kernelj.llm.engine;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Where the time of {@link Engine#open} went, phase by phase, so that "process start to first
 * token" can be split into its parts (add the first generation's time to first token for the rest:
 * kernels load at their first launch). Wall-clock nanoseconds; the weights phase waits for the
 * device, so it is the real upload time.
 *
 * @param processStartToOpenNanos from the JVM's start to {@link Engine#open} (JVM start-up, class
 *     loading, argument parsing); -1 where the JVM does not say when it started
 * @param configNanos config.json and the checkpoint's headers
 * @param backendNanos opening the backend (CUDA: driver init, context, stream, BLAS handles)
 * @param weightsNanos every weight into the backend's memory, waited for
 * @param weightBytes bytes of weights in the backend's memory
 * @param kvCacheNanos allocating the KV cache
 * @param kvCacheBytes bytes of the KV cache
 * @param setupNanos step buffers, sampler, model and decode runner
 * @param tokenizerWaitNanos how long opening waited for the tokenizer, which loads on another
 *     thread while the backend opens and the weights upload (0 when it was ready first)
 */
public record LoadTimings(
    long processStartToOpenNanos,
    long configNanos,
    long backendNanos,
    long weightsNanos,
    long weightBytes,
    long kvCacheNanos,
    long kvCacheBytes,
    long setupNanos,
    long tokenizerWaitNanos) {
  /** Total time inside {@link Engine#open}. */
  public long openNanos() {
    return configNanos
        + backendNanos
        + weightsNanos
        + kvCacheNanos
        + setupNanos
        + tokenizerWaitNanos;
  }

  /** Weights uploaded per second, in GB/s (10^9 bytes). */
  public double weightGigabytesPerSecond() {
    return weightsNanos == 0 ? 0 : weightBytes / (double) weightsNanos;
  }

  /**
   * One line for {@code --stats}, e.g. {@code "load 729 ms (JVM start before it 406 ms): config 54,
   * backend 385, weights 240 ..."}.
   */
  public String describe() {
    return String.format(
        Locale.ROOT,
        "load %.0f ms (JVM start before it %s): config %.0f, backend %.0f, weights %.0f"
            + " (%.2f GB at %.1f GB/s), KV cache %.0f (%.2f GB), setup %.0f, tokenizer wait %.0f",
        openNanos() / 1e6,
        processStartToOpenNanos < 0
            ? "unknown"
            : String.format(Locale.ROOT, "%.0f ms", processStartToOpenNanos / 1e6),
        configNanos / 1e6,
        backendNanos / 1e6,
        weightsNanos / 1e6,
        weightBytes / 1e9,
        weightGigabytesPerSecond(),
        kvCacheNanos / 1e6,
        kvCacheBytes / 1e9,
        setupNanos / 1e6,
        tokenizerWaitNanos / 1e6);
  }

  /** Nanoseconds from the JVM's start until now, or -1 where unknown. */
  static long sinceProcessStart() {
    try {
      long startMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
      return startMillis <= 0
          ? -1
          : Math.max(0, (System.currentTimeMillis() - startMillis) * 1_000_000L);
    } catch (RuntimeException | LinkageError e) {
      return -1;
    }
  }
}
