package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.RequestHandle;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * When the engine saw a burst, from its own times of each request, on the clock of the burst's
 * start: its first, median and last arrivals, the step that gave the median request its first
 * token, and when each step up to that one ended (a step's first tokens all carry the time it
 * ended, so distinct first-token times are the ends of the steps that gave any). In process and
 * over HTTP the same prompts meet the same scheduler, so where these differ is where HTTP moved the
 * engine, apart from the trip to the client and back: under a burst, mostly whether the first step
 * ran with all the prompts a step takes or with the few that had arrived, which costs the median
 * request one more prefill step.
 *
 * @param stepsToMedian the steps that gave first tokens up to the median request's (0 when none
 *     did)
 * @param line all of it, for a log
 */
record BurstTimeline(int stepsToMedian, String line) {
  private static final int SHOWN_STEPS = 24;

  /** {@code zeroNanos} is the burst's start on {@link System#nanoTime}'s clock. */
  static BurstTimeline of(List<RequestHandle> handles, long zeroNanos) {
    long[] arrivals = new long[handles.size()];
    long[] firsts = new long[handles.size()];
    int n = 0;
    for (RequestHandle h : handles) {
      if (h == null || !h.completion().isDone() || h.completion().isCompletedExceptionally()) {
        continue;
      }
      Completion c = h.completion().join();
      if (c.firstTokenNanos() == 0) {
        continue;
      }
      arrivals[n] = c.arrivalNanos();
      firsts[n++] = c.firstTokenNanos();
    }
    if (n == 0) {
      return new BurstTimeline(0, "engine timeline: no request finished");
    }
    arrivals = Arrays.copyOf(arrivals, n);
    firsts = Arrays.copyOf(firsts, n);
    Arrays.sort(arrivals);
    Arrays.sort(firsts);
    long median = firsts[(n - 1) / 2];
    long[] stepEnds = Arrays.stream(firsts).filter(t -> t <= median).distinct().toArray();
    // A burst's median is some 17 prefill steps in; at a Poisson load it is dozens.
    StringBuilder ends = new StringBuilder();
    for (int i = 0; i < Math.min(SHOWN_STEPS, stepEnds.length); i++) {
      ends.append(String.format(Locale.ROOT, " %.2f", ms(stepEnds[i] - zeroNanos)));
    }
    if (stepEnds.length > SHOWN_STEPS) {
      ends.append(" ... ").append(String.format(Locale.ROOT, "%.2f", ms(median - zeroNanos)));
    }
    String line =
        String.format(
            Locale.ROOT,
            "engine timeline from the burst's start: arrivals first %.2f ms, median %.2f, last %.2f;"
                + " first tokens first %.2f ms, median %.2f (from step %d of those giving any;"
                + " those steps ended at%s ms)",
            ms(arrivals[0] - zeroNanos),
            ms(arrivals[(n - 1) / 2] - zeroNanos),
            ms(arrivals[n - 1] - zeroNanos),
            ms(firsts[0] - zeroNanos),
            ms(median - zeroNanos),
            stepEnds.length,
            ends);
    return new BurstTimeline(stepEnds.length, line);
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
