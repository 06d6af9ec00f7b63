package dev.kernelj.runtime.cuda;

import dev.kernelj.dsl.StreamRef;
import java.util.Locale;
import java.util.Objects;

/**
 * GPU time per launch of a kernel, measured inside one call so that nothing but the launches lies
 * between the two events.
 *
 * <p>Events time the GPU's clock from one record to the other, idle time included. Timing code
 * spread over several jshell snippets (record, loop, record) therefore measures jshell too: each
 * snippet is compiled by javac and sent to the execution engine before it runs, tens of
 * milliseconds during which the GPU waits; 20 launches of a 45 µs kernel read as 20 ms each that
 * way. Here the launches run once and synchronise (module loading, lazy function loading and class
 * initialisation stay out), then {@code warmup} launches are queued without waiting so that the GPU
 * is busy when the start event is recorded, and the timed launches follow at the host's pace: even
 * interpreted Java enqueues faster than a memory-bound kernel drains.
 */
public final class KernelTimer {
  /**
   * What a timing measured.
   *
   * @param launches how many launches lay between the events
   * @param gpuMillis GPU time between the events
   * @param hostMillis host time to enqueue those launches (above the GPU time, the host set the
   *     pace and the figure measures the host)
   */
  public record Timing(int launches, double gpuMillis, double hostMillis) {
    public double microsPerLaunch() {
      return gpuMillis * 1000.0 / launches;
    }

    public double hostMicrosPerLaunch() {
      return hostMillis * 1000.0 / launches;
    }

    /**
     * One line a script can find and compare: {@code timing <what> us_per_launch=45.12
     * host_us_per_launch=6.30 launches=20}.
     */
    public String reportLine(String what) {
      return String.format(
          Locale.ROOT,
          "timing %s us_per_launch=%.2f host_us_per_launch=%.2f launches=%d",
          what,
          microsPerLaunch(),
          hostMicrosPerLaunch(),
          launches);
    }

    /** {@code 45.12 µs per launch on the GPU over 20 launches (host 6.3 µs per launch)}. */
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%.2f µs per launch on the GPU over %d launches (host %.1f µs per launch)",
          microsPerLaunch(),
          launches,
          hostMicrosPerLaunch());
    }
  }

  private KernelTimer() {}

  /**
   * Times {@code launches} runs of {@code launch}, which must launch on {@code stream} of {@code
   * context}'s device and may not synchronise.
   *
   * @param warmup launches queued before the start event, at least 1
   */
  public static Timing time(
      CudaContext context, StreamRef stream, int warmup, int launches, Runnable launch) {
    Objects.requireNonNull(launch, "launch");
    if (launches < 1 || warmup < 1) {
      throw new IllegalArgumentException(
          "time at least one launch after at least one warm-up launch (got "
              + launches
              + " after "
              + warmup
              + ")");
    }
    launch.run();
    context.synchronize();
    try (CudaEvent start = context.createEvent();
        CudaEvent end = context.createEvent()) {
      for (int i = 0; i < warmup; i++) {
        launch.run();
      }
      start.record(stream);
      long t0 = System.nanoTime();
      for (int i = 0; i < launches; i++) {
        launch.run();
      }
      long t1 = System.nanoTime();
      end.record(stream);
      end.synchronize();
      return new Timing(launches, end.elapsedMillisSince(start), (t1 - t0) / 1e6);
    }
  }
}
