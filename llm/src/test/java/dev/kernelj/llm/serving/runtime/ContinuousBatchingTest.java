package dev.kernelj.llm.serving.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.ServingStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving engine on the reference backend with a tiny random model: requests arriving at random
 * times get exactly the tokens they get alone (greedy and seeded sampling), also when a
 * deliberately tiny pool forces preemption; prefix-cache hits change nothing but the work done.
 * After every test the engine is idle and every block is back in the pool.
 */
class ContinuousBatchingTest {
  @TempDir static Path dir;
  static Path model;
  private final List<ContinuousBatchingEngine> opened = new ArrayList<>();

  @BeforeAll
  static void writeModel() throws Exception {
    model = TinyLlama.write(dir.resolve("m"), TinyLlama.LLAMA, 5).dir();
  }

  ContinuousBatchingEngine open(ServingOptions.Builder options) {
    ContinuousBatchingEngine e =
        ServingEngine.open(model, options.device(Device.CPU).maxModelLen(128).build());
    opened.add(e);
    return e;
  }

  static ServingOptions.Builder small() {
    return ServingOptions.builder()
        .maxNumSeqs(4)
        .maxNumBatchedTokens(16)
        .blockSize(4)
        .numKvBlocks(96);
  }

  @AfterEach
  void everyBlockIsBack() throws Exception {
    for (ContinuousBatchingEngine e : opened) {
      ServingStats s = awaitIdle(e);
      assertEquals(0, s.kvBlocksUsed(), "blocks still held: " + s);
      e.scheduler().checkInvariants();
      e.close();
    }
  }

  static ServingStats awaitIdle(ServingEngine e) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      ServingStats s = e.stats();
      if (s.running() == 0 && s.waiting() == 0) {
        return s;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("engine not idle: " + e.stats());
  }

  static int[] prompt(Random random, int length) {
    int[] p = random.ints(length, 0, 256).toArray();
    p[0] = TinyLlama.BOS;
    return p;
  }

  static ServeRequest request(int[] prompt, SamplingSettings s, int maxTokens) {
    return new ServeRequest(null, prompt, s, maxTokens, List.of(), Set.of(), true, -1);
  }

  /** Greedy, seeded sampling and penalized sampling requests with prompts of 1 to 40 tokens. */
  static List<ServeRequest> mixedRequests(int n, long seed) {
    Random random = new Random(seed);
    List<ServeRequest> requests = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SamplingSettings s =
          switch (i % 3) {
            case 0 -> SamplingSettings.greedy();
            case 1 -> new SamplingSettings(1.1, 40, 0.95, 0, 1, 1000 + i);
            default -> new SamplingSettings(0.8, 0, 1, 0.02, 1.2, 2000 + i, 0.3, 0.2);
          };
      requests.add(request(prompt(random, 1 + random.nextInt(40)), s, 4 + random.nextInt(20)));
    }
    return requests;
  }

  static List<int[]> alone(ServingEngine e, List<ServeRequest> requests) throws Exception {
    List<int[]> outputs = new ArrayList<>();
    for (ServeRequest r : requests) {
      outputs.add(Served.drain(e.submit(r)).tokens());
    }
    return outputs;
  }

  /** Submits every request before reading any, so that they overlap; returns what each got. */
  static List<int[]> allAtOnce(ServingEngine e, List<ServeRequest> requests) throws Exception {
    List<RequestHandle> handles = new ArrayList<>();
    for (ServeRequest r : requests) {
      handles.add(e.submit(r));
    }
    List<int[]> outputs = new ArrayList<>();
    for (RequestHandle h : handles) {
      outputs.add(Served.drain(h).tokens());
    }
    return outputs;
  }

  /** Submits every request from its own thread after a random pause; returns what each got. */
  static List<int[]> together(ServingEngine e, List<ServeRequest> requests, long seed)
      throws Exception {
    Random random = new Random(seed);
    ExecutorService pool = Executors.newFixedThreadPool(requests.size());
    try {
      List<Future<int[]>> futures = new ArrayList<>();
      for (ServeRequest r : requests) {
        int pause = random.nextInt(30);
        futures.add(
            pool.submit(
                () -> {
                  Thread.sleep(pause);
                  return Served.drain(e.submit(r)).tokens();
                }));
      }
      List<int[]> outputs = new ArrayList<>();
      for (Future<int[]> f : futures) {
        outputs.add(f.get());
      }
      return outputs;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void requestsArrivingAtRandomTimesGetWhatEachGetsAlone() throws Exception {
    ContinuousBatchingEngine e = open(small());
    List<ServeRequest> requests = mixedRequests(12, 1);
    List<int[]> solo = alone(e, requests);
    List<int[]> mixed = together(e, requests, 2);
    for (int i = 0; i < requests.size(); i++) {
      assertArrayEquals(solo.get(i), mixed.get(i), "request " + i);
      assertEquals(requests.get(i).maxTokens(), mixed.get(i).length, "request " + i);
    }
    ServingStats s = e.stats();
    assertTrue(s.steps() > 0 && s.generationTokens() > 0, s.toString());
  }

  @Test
  void aTinyPoolPreemptsAndStillLosesNothing() throws Exception {
    // 12 blocks of 4 tokens: room for one request of up to 48 tokens, so several at once preempt.
    // They are submitted together: with random pauses they could finish one by one on a fast host.
    ContinuousBatchingEngine tiny = open(small().numKvBlocks(12).prefixCaching(false));
    List<ServeRequest> requests = mixedRequests(8, 3);
    List<int[]> mixed = allAtOnce(tiny, requests);
    assertTrue(tiny.stats().preemptions() > 0, "no preemption: " + tiny.stats());
    ContinuousBatchingEngine roomy = open(small().maxNumSeqs(1).maxNumBatchedTokens(64));
    List<int[]> solo = alone(roomy, requests);
    for (int i = 0; i < requests.size(); i++) {
      assertArrayEquals(solo.get(i), mixed.get(i), "request " + i);
    }
  }

  @Test
  void prefixCacheHitsGiveTheSameTokensAndLogprobsAsAColdPrefill() throws Exception {
    Random random = new Random(7);
    int[] system = prompt(random, 37);
    List<ServeRequest> requests = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int[] user = random.ints(3 + i, 0, 256).toArray();
      int[] p = java.util.Arrays.copyOf(system, system.length + user.length);
      System.arraycopy(user, 0, p, system.length, user.length);
      requests.add(
          new ServeRequest(null, p, SamplingSettings.greedy(), 6, List.of(), Set.of(), true, 20));
    }
    ContinuousBatchingEngine warm = open(small());
    ContinuousBatchingEngine cold = open(small().prefixCaching(false));
    for (ServeRequest r : requests) {
      Served hit = Served.drain(warm.submit(r));
      Served miss = Served.drain(cold.submit(r));
      assertArrayEquals(miss.tokens(), hit.tokens());
      for (int t = 0; t < hit.tokens().length; t++) {
        var a = hit.completion().logprobs().get(t);
        var b = miss.completion().logprobs().get(t);
        assertEquals(b.logprob(), a.logprob(), "logprob of token " + t);
        assertArrayEquals(b.topIds(), a.topIds(), "top ids of token " + t);
        assertArrayEquals(b.topLogprobs(), a.topLogprobs(), "top logprobs of token " + t);
      }
      assertEquals(0, miss.completion().cachedPromptTokens());
    }
    ServingStats s = warm.stats();
    // The first request fills the cache; the other three find the system prompt's 9 full blocks.
    assertEquals(3 * 36, s.prefixCacheHits(), s.toString());
    assertEquals(0, cold.stats().prefixCacheHits());
  }

  @Test
  void cancellingFreesTheBlocksWithinAStep() throws Exception {
    ContinuousBatchingEngine e = open(small());
    Random random = new Random(11);
    List<RequestHandle> handles = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      handles.add(e.submit(request(prompt(random, 30), SamplingSettings.greedy(), 90)));
    }
    handles.get(5).cancel(); // likely still waiting
    var first = handles.get(0).poll(60, java.util.concurrent.TimeUnit.SECONDS); // running now
    handles.get(0).cancel();
    for (RequestHandle h : handles.subList(1, 5)) {
      h.cancel();
    }
    for (RequestHandle h : handles) {
      Served s = Served.drain(h, h == handles.get(0) ? List.of(first) : List.of());
      assertEquals(FinishReason.CANCELLED, s.completion().finishReason());
      assertTrue(s.tokens().length < 90);
    }
    assertEquals(0, awaitIdle(e).kvBlocksUsed());
  }
}
