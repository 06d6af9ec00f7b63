package dev.kernelj.llm.serving.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.RequestRejectedException;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.TokenLogprob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prompt logprobs (the completions API's {@code echo} with {@code logprobs}): every prompt token
 * after the first gets the log-softmax of the logits before it, equal to the static engine's logits
 * of the whole prompt, whether the prompt is scored in chunks of a few logit rows, next to other
 * requests, or again after a preemption; and asking for them changes nothing else.
 */
class PromptLogprobsTest {
  static final int TOP = 3;

  @TempDir static Path dir;
  static Path model;
  static int[] prompt;
  static float[] expected; // the static engine's logits, [prompt.length, vocab]
  static int vocab;

  @BeforeAll
  static void writeModelAndOracle() throws Exception {
    model = TinyLlama.write(dir.resolve("m"), TinyLlama.LLAMA, 9).dir();
    Random random = new Random(3);
    prompt = new int[41];
    prompt[0] = 256;
    for (int i = 1; i < prompt.length; i++) {
      prompt[i] = random.nextInt(256);
    }
    try (Engine reference =
        Engine.open(
            model,
            EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(96).withBlockSize(8))) {
      var trace = reference.logits(prompt, 0);
      expected = trace.rows();
      vocab = trace.vocab();
    }
  }

  /** At most {@code seqs} logit rows a step, so a 41-token prompt is scored over many steps. */
  static ContinuousBatchingEngine open(int seqs, int blocks) {
    return ServingEngine.open(
        model,
        ServingOptions.builder()
            .device(Device.CPU)
            .maxModelLen(96)
            .maxNumSeqs(seqs)
            .maxNumBatchedTokens(32)
            .blockSize(8)
            .numKvBlocks(blocks)
            .build());
  }

  static ServeRequest request(int[] ids, int maxTokens, int promptLogprobs) {
    return new ServeRequest(
        null,
        ids,
        SamplingSettings.greedy(),
        maxTokens,
        List.of(),
        Set.of(),
        true,
        -1,
        promptLogprobs);
  }

  /** Checks {@code c}'s prompt logprobs against the static engine's logits of the prompt. */
  static void assertScoredLikeTheStaticEngine(Completion c) {
    List<TokenLogprob> lps = c.promptLogprobs();
    assertEquals(prompt.length - 1, lps.size());
    for (int p = 0; p + 1 < prompt.length; p++) {
      double[] logSoftmax = logSoftmax(p);
      TokenLogprob lp = lps.get(p);
      assertEquals(prompt[p + 1], lp.tokenId(), "token of position " + p);
      assertEquals(logSoftmax[prompt[p + 1]], lp.logprob(), 1e-4, "logprob of position " + p);
      assertEquals(TOP, lp.topIds().length);
      for (int k = 0; k < TOP; k++) {
        assertEquals(logSoftmax[lp.topIds()[k]], lp.topLogprobs()[k], 1e-4, "top " + k);
        if (k > 0) {
          assertTrue(lp.topLogprobs()[k] <= lp.topLogprobs()[k - 1], "best first");
        }
      }
      for (double v : logSoftmax) {
        assertTrue(v <= lp.topLogprobs()[0] + 1e-4, "the best token is first at " + p);
      }
    }
    assertEquals(0, c.cachedPromptTokens(), "a scored prompt is computed, not cached");
  }

  static double[] logSoftmax(int position) {
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, expected[position * vocab + v]);
    }
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      sum += Math.exp(expected[position * vocab + v] - max);
    }
    double logZ = max + Math.log(sum);
    double[] out = new double[vocab];
    for (int v = 0; v < vocab; v++) {
      out[v] = expected[position * vocab + v] - logZ;
    }
    return out;
  }

  @Test
  void aPromptScoredInChunksOfFourRowsIsTheStaticEnginesLogSoftmax() throws Exception {
    try (ContinuousBatchingEngine engine = open(4, 40)) {
      Completion plain = Served.drain(engine.submit(request(prompt, 6, -1))).completion();
      assertTrue(plain.promptLogprobs().isEmpty());
      // The same prompt again, now in the prefix cache: scored, it is computed in full anyway.
      Completion scored = Served.drain(engine.submit(request(prompt, 6, TOP))).completion();
      assertScoredLikeTheStaticEngine(scored);
      assertArrayEquals(plain.tokenIds(), scored.tokenIds(), "scoring changes no output");
      assertEquals(0, ContinuousBatchingTest.awaitIdle(engine).kvBlocksUsed());
      engine.scheduler().checkInvariants();
    }
  }

  @Test
  void scoredPromptsBesideOtherRequestsAndAfterPreemptionsStayTheSame() throws Exception {
    // 14 blocks of 8 tokens for requests that want up to 9 each: the newest are preempted.
    try (ContinuousBatchingEngine engine = open(4, 14)) {
      List<RequestHandle> handles = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        handles.add(engine.submit(request(new int[] {256, 10 + i, 20 + i}, 60, -1)));
      }
      RequestHandle first = engine.submit(request(prompt, 4, TOP));
      RequestHandle second = engine.submit(request(prompt, 4, TOP));
      for (RequestHandle h : handles) {
        Served.drain(h);
      }
      assertScoredLikeTheStaticEngine(Served.drain(first).completion());
      assertScoredLikeTheStaticEngine(Served.drain(second).completion());
      assertTrue(engine.stats().preemptions() > 0, "nothing was preempted");
      assertEquals(0, ContinuousBatchingTest.awaitIdle(engine).kvBlocksUsed());
      engine.scheduler().checkInvariants();
    }
  }

  @Test
  void oneLogitRowAStepStillScoresEveryPosition() throws Exception {
    try (ContinuousBatchingEngine engine = open(1, 40)) {
      assertScoredLikeTheStaticEngine(
          Served.drain(engine.submit(request(prompt, 2, TOP))).completion());
    }
  }

  @Test
  void aOneTokenPromptHasNoPromptLogprobsAndTooManyAlternativesAreRefused() throws Exception {
    try (ContinuousBatchingEngine engine = open(4, 40)) {
      Completion c = Served.drain(engine.submit(request(new int[] {256}, 3, 5))).completion();
      assertTrue(c.promptLogprobs().isEmpty());
      assertEquals(3, c.tokenIds().length);
      RequestRejectedException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              RequestRejectedException.class, () -> engine.submit(request(prompt, 3, 21)));
      assertTrue(e.getMessage().contains("prompt logprobs is 21"), e.getMessage());
    }
  }
}
