package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServingStats;
import dev.kernelj.llm.serving.bench.Distribution;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures of {@link HttpOverheadBench}'s HTTP run, as vLLM's client computes them (TTFT from
 * send to the first read with a token chunk, ITL between later such reads, output tokens from the
 * usage chunk), the engine's steps, and the split of each TTFT at the engine's own times (the
 * client and the server share one JVM clock).
 */
final class HttpFigures {
  private static final Pattern TTFT = Pattern.compile(" ttft_ms=([0-9.]+)");

  private HttpFigures() {}

  private static double percentile(double[] values, int count, double p) {
    double[] sorted = java.util.Arrays.copyOf(values, count);
    java.util.Arrays.sort(sorted);
    return count == 0 ? 0 : sorted[(int) Math.min(count - 1, Math.round(p / 100 * (count - 1)))];
  }

  /** The TTFTs the server's access lines report (from its handler's entry). */
  static Distribution accessTtft(List<String> lines) {
    double[] ttft = new double[lines.size()];
    int n = 0;
    for (String line : lines) {
      Matcher m = TTFT.matcher(line);
      if (m.find()) {
        ttft[n++] = Double.parseDouble(m.group(1));
      }
    }
    return Distribution.of(ttft, n);
  }

  static HttpOverheadBench.Figures of(
      List<SseLoadClient.Call> calls,
      long nanos,
      ServingStats before,
      ServingStats after,
      List<RequestHandle> handles,
      List<String> accessLines,
      String cpu,
      long startNanos) {
    int n = calls.size();
    double[] ttft = new double[n];
    double[] toEngine = new double[n];
    double[] clientSend = new double[n];
    double[] serverIntake = new double[n];
    double[] inEngine = new double[n];
    double[] toClient = new double[n];
    int gaps = 0;
    for (SseLoadClient.Call c : calls) {
      gaps += c.gapCount;
    }
    double[] itl = new double[gaps];
    int ok = 0;
    int split = 0;
    int g = 0;
    long tokens = 0;
    for (int i = 0; i < n; i++) {
      SseLoadClient.Call c = calls.get(i);
      if (c.error != null || c.firstNanos == 0 || c.usageTokens < 0) {
        continue;
      }
      ttft[ok++] = (c.firstNanos - c.sendNanos) / 1e6;
      tokens += c.usageTokens;
      for (int k = 0; k < c.gapCount; k++) {
        itl[g++] = c.gaps[k] / 1e6;
      }
      RequestHandle h = handles.get(i);
      if (h != null && h.completion().isDone() && !h.completion().isCompletedExceptionally()) {
        Completion done = h.completion().join();
        toEngine[split] = (done.arrivalNanos() - c.sendNanos) / 1e6;
        clientSend[split] = (c.writtenNanos - c.sendNanos) / 1e6;
        serverIntake[split] = (done.arrivalNanos() - c.writtenNanos) / 1e6;
        inEngine[split] = (done.firstTokenNanos() - done.arrivalNanos()) / 1e6;
        toClient[split] = (c.firstNanos - done.firstTokenNanos()) / 1e6;
        split++;
      }
    }
    long steps = after.steps() - before.steps();
    long stepNanos = after.stepNanos() - before.stepNanos();
    long hostNanos = after.hostNanos() - before.hostNanos();
    String where =
        String.format(
            Locale.ROOT,
            "TTFT medians: send -> engine %.2f ms (p90 %.2f; in the client, send -> request written"
                + " %.2f, p90 %.2f; then written -> engine %.2f, p90 %.2f), engine's own %.2f ms,"
                + " first token -> client read %.2f ms (p99 %.2f); handler entry -> first token"
                + " (access log) %.2f ms",
            Distribution.of(toEngine, split).median(),
            percentile(toEngine, split, 90),
            Distribution.of(clientSend, split).median(),
            percentile(clientSend, split, 90),
            Distribution.of(serverIntake, split).median(),
            percentile(serverIntake, split, 90),
            Distribution.of(inEngine, split).median(),
            Distribution.of(toClient, split).median(),
            Distribution.of(toClient, split).p99(),
            accessTtft(accessLines).median());
    return new HttpOverheadBench.Figures(
        ok,
        n - ok,
        tokens / (nanos / 1e9),
        Distribution.of(ttft, ok),
        Distribution.of(itl, g),
        steps,
        steps == 0 ? 0 : stepNanos / 1e6 / steps,
        steps == 0 ? 0 : hostNanos / 1e3 / steps,
        where + "\n    " + cpu,
        BurstTimeline.of(handles, startNanos));
  }
}
