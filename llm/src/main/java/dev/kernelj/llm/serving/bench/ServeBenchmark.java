package dev.kernelj.llm.serving.bench;

import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * vLLM's serving benchmark, in process: sends a {@link ServeWorkload} to a {@link ServingEngine} on
 * its arrival schedule (no HTTP), then measures from the engine's own delta times what clients
 * would see. A warm-up first runs a shrinking batch through every decode bucket the workload can
 * reach, so kernel loading and CUDA graph capture are not measured.
 */
public final class ServeBenchmark {
  private ServeBenchmark() {}

  /** Runs {@code w} against {@code engine}, whose token ids are below {@code vocab}. */
  public static ServeResult run(ServingEngine engine, int vocab, ServeWorkload w)
      throws InterruptedException {
    Drawn drawn = draw(w, vocab);
    List<ServeRequest> requests = new ArrayList<>();
    for (int i = 0; i < w.numPrompts(); i++) {
      requests.add(request(drawn.prompts().get(i), drawn.outputLens()[i]));
    }
    double[] arrivals = drawn.arrivals();
    warmUp(engine, vocab, w);
    ServingStats before = engine.stats();
    List<RequestHandle> handles = new ArrayList<>();
    Semaphore inFlight = w.maxConcurrency() > 0 ? new Semaphore(w.maxConcurrency()) : null;
    long start = System.nanoTime();
    for (int i = 0; i < requests.size(); i++) {
      long due = start + (long) (arrivals[i] * 1e9);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      if (inFlight != null) {
        inFlight.acquire();
      }
      RequestHandle h = engine.submit(requests.get(i));
      if (inFlight != null) {
        h.completion().whenComplete((c, e) -> inFlight.release());
      }
      handles.add(h);
    }
    CompletableFuture.allOf(
            handles.stream().map(RequestHandle::completion).toArray(CompletableFuture[]::new))
        .join();
    long end = System.nanoTime();
    return ServeResult.of(w, collect(handles), end - start, before, engine.stats());
  }

  /**
   * What {@code w} sends, drawn from its seed: each request's prompt (ids below {@code vocab}), its
   * output length and its arrival in seconds from the start. The same workload over HTTP sends
   * these.
   */
  public static Drawn draw(ServeWorkload w, int vocab) {
    Random random = new Random(w.seed());
    int[] prefix = random.ints(w.prefixLen(), 0, vocab).toArray();
    List<int[]> prompts = new ArrayList<>();
    int[] outputLens = new int[w.numPrompts()];
    double[] arrivals = new double[w.numPrompts()];
    double at = 0;
    for (int i = 0; i < w.numPrompts(); i++) {
      int[] prompt = java.util.Arrays.copyOf(prefix, prefix.length + w.draw(random, w.inputLen()));
      for (int j = prefix.length; j < prompt.length; j++) {
        prompt[j] = random.nextInt(vocab);
      }
      prompts.add(prompt);
      outputLens[i] = w.draw(random, w.outputLen());
      arrivals[i] = at;
      at += w.gap(random);
    }
    return new Drawn(List.copyOf(prompts), outputLens, arrivals);
  }

  /**
   * The requests of a workload.
   *
   * @param prompts each request's prompt token ids
   * @param outputLens each request's tokens to generate (EOS ignored)
   * @param arrivals each request's arrival, seconds after the first
   */
  public record Drawn(List<int[]> prompts, int[] outputLens, double[] arrivals) {}

  private static ServeRequest request(int[] prompt, int maxTokens) {
    return new ServeRequest(
        null, prompt, SamplingSettings.greedy(), maxTokens, List.of(), Set.of(), true, -1);
  }

  /** Every request's completion and the times its tokens came. */
  private static List<RequestTimes> collect(List<RequestHandle> handles) {
    List<RequestTimes> times = new ArrayList<>();
    for (RequestHandle h : handles) {
      Completion c = h.completion().join();
      long[] tokenTimes = new long[c.tokenIds().length];
      int n = 0;
      Delta d;
      try {
        while ((d = h.poll(0, TimeUnit.NANOSECONDS)) != null) {
          for (int i = 0; i < d.tokenIds().length && n < tokenTimes.length; i++) {
            tokenTimes[n++] = d.nanoTime();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading results", e);
      }
      times.add(new RequestTimes(c, java.util.Arrays.copyOf(tokenTimes, n)));
    }
    return times;
  }

  /**
   * A batch as large as the workload's concurrency whose output lengths differ by one, so that it
   * shrinks through every decode bucket once (each captured on first use).
   */
  private static void warmUp(ServingEngine engine, int vocab, ServeWorkload w) {
    int count = Math.min(256, w.maxConcurrency() > 0 ? w.maxConcurrency() : w.numPrompts());
    Random random = new Random(w.seed() ^ 0x5DEECE66DL);
    List<RequestHandle> handles = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] prompt = random.ints(Math.min(8, w.inputLen()), 0, vocab).toArray();
      int tokens = Math.min(2 + i, Math.max(2, engine.maxModelLength() - prompt.length));
      handles.add(engine.submit(request(prompt, tokens)));
    }
    handles.forEach(h -> h.completion().join());
  }

  /** A finished request and the time each of its tokens was produced. */
  record RequestTimes(Completion completion, long[] tokenNanos) {}
}
