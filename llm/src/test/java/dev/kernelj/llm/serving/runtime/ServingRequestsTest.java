package dev.kernelj.llm.serving.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.engine.GenerationRequest;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.engine.ServingModel;
import dev.kernelj.llm.engine.StopConditions;
import dev.kernelj.llm.engine.TokenListener;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.RequestRejectedException;
import dev.kernelj.llm.serving.RequestRejectedException.Reason;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.TokenLogprob;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One request's rules on the serving engine: the same greedy tokens as the static-batch engine,
 * stop token ids, EOS and ignore-EOS, stop strings cut from text and stream alike, logprobs that
 * are the model's log-softmax, and every way a request is refused, each naming its numbers.
 */
class ServingRequestsTest {
  @TempDir static Path dir;
  static Path model;
  static ContinuousBatchingEngine engine;

  @BeforeAll
  static void open() throws Exception {
    model = TinyLlama.write(dir.resolve("m"), TinyLlama.LLAMA, 5).dir();
    engine =
        ServingEngine.open(
            model,
            ServingOptions.builder()
                .device(Device.CPU)
                .maxModelLen(96)
                .maxNumSeqs(4)
                .maxNumBatchedTokens(32)
                .blockSize(8)
                .numKvBlocks(40)
                .build());
  }

  @AfterEach
  void idleWithEveryBlockBack() throws Exception {
    assertEquals(0, ContinuousBatchingTest.awaitIdle(engine).kvBlocksUsed());
    engine.scheduler().checkInvariants();
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  static ServeRequest request(
      int[] prompt, int maxTokens, List<String> stops, Set<Integer> stopIds, boolean ignoreEos) {
    return new ServeRequest(
        null, prompt, SamplingSettings.greedy(), maxTokens, stops, stopIds, ignoreEos, -1);
  }

  static RequestRejectedException refused(ServingEngine e, ServeRequest r) {
    return assertThrows(RequestRejectedException.class, () -> e.submit(r));
  }

  @Test
  void greedyTokensAreTheStaticEnginesTokens() throws Exception {
    int[][] prompts = {{256, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {256, 40}, {256, 99, 98, 97, 96}};
    try (Engine reference =
        Engine.open(
            model,
            EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(96).withBlockSize(8))) {
      for (int[] p : prompts) {
        int[] expected =
            reference
                .generate(
                    List.of(
                        new GenerationRequest(
                            p,
                            SamplingSettings.greedy(),
                            new StopConditions(30, Set.of(), List.of()))),
                    TokenListener.NONE)
                .get(0)
                .tokens();
        int[] served =
            Served.drain(engine.submit(request(p, 30, List.of(), Set.of(), true))).tokens();
        assertArrayEquals(expected, served);
      }
    }
  }

  @Test
  void stopTokenIdsEosAndIgnoreEos() throws Exception {
    int[] prompt = {256, 7, 8};
    int[] free =
        Served.drain(engine.submit(request(prompt, 12, List.of(), Set.of(), true))).tokens();
    int stop = free[4];
    int first = 0;
    while (free[first] != stop) {
      first++;
    }
    Served cut = Served.drain(engine.submit(request(prompt, 12, List.of(), Set.of(stop), true)));
    assertEquals(FinishReason.STOP, cut.completion().finishReason());
    assertArrayEquals(java.util.Arrays.copyOf(free, first), cut.tokens(), "stop id not included");
    Served length = Served.drain(engine.submit(request(prompt, 12, List.of(), Set.of(), true)));
    assertEquals(FinishReason.LENGTH, length.completion().finishReason());
    assertEquals(12, length.tokens().length);
    // An engine whose model's EOS is that token: it ends the output unless EOS is ignored.
    ServingOptions options = ServingOptions.builder().device(Device.CPU).maxModelLen(96).build();
    ServingModel m = ServingModel.open(model, options.toBuilder().numKvBlocks(40).build());
    ServedModel served =
        new ServedModel(
            TinyLlama.VOCAB, Set.of(stop), m.tokenizer(), 96, m.numBlocks(), m.blockSize(), "ref");
    try (ContinuousBatchingEngine eos =
        new ContinuousBatchingEngine(new ModelStepExecutor(m, 256), served, m.config(), options)) {
      Served ended = Served.drain(eos.submit(request(prompt, 12, List.of(), Set.of(), false)));
      assertEquals(FinishReason.STOP, ended.completion().finishReason());
      assertArrayEquals(java.util.Arrays.copyOf(free, first), ended.tokens());
      Served ignored = Served.drain(eos.submit(request(prompt, 12, List.of(), Set.of(), true)));
      assertArrayEquals(free, ignored.tokens());
    }
  }

  @Test
  void stopStringsCutTextAndStreamAlikeAcrossSplitCharacters() throws Exception {
    // Prompt bytes of "é" and "€": UTF-8 characters over several byte tokens.
    int[] prompt = {256, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 'a', 'b', 'c'};
    Served free = Served.drain(engine.submit(request(prompt, 40, List.of(), Set.of(), true)));
    String text = free.completion().text();
    assertTrue(text.length() >= 6, "need some text to cut: " + text);
    String stop = text.substring(3, 5);
    Served cut = Served.drain(engine.submit(request(prompt, 40, List.of(stop), Set.of(), true)));
    assertEquals(FinishReason.STOP, cut.completion().finishReason());
    assertEquals(text.substring(0, text.indexOf(stop)), cut.completion().text());
    for (var d : cut.deltas()) {
      assertTrue(!d.text().contains("\uFFFD") || text.contains("\uFFFD"), "a broken character");
    }
  }

  @Test
  void logprobsAreTheModelsLogSoftmax() throws Exception {
    int[] prompt = {256, 50, 51, 52};
    SamplingSettings hot = new SamplingSettings(1.5, 0, 1, 0, 1, 99);
    Served s =
        Served.drain(
            engine.submit(new ServeRequest(null, prompt, hot, 10, List.of(), Set.of(), true, 5)));
    assertEquals(10, s.completion().logprobs().size());
    boolean sawOutsideTop = false;
    for (int i = 0; i < 10; i++) {
      TokenLogprob lp = s.completion().logprobs().get(i);
      assertEquals(s.tokens()[i], lp.tokenId());
      assertEquals(5, lp.topIds().length);
      for (int k = 1; k < 5; k++) {
        assertTrue(lp.topLogprobs()[k] <= lp.topLogprobs()[k - 1], "best first");
      }
      assertTrue(lp.logprob() <= lp.topLogprobs()[0] + 1e-6f && lp.logprob() < 0);
      boolean inTop = false;
      for (int k = 0; k < 5; k++) {
        if (lp.topIds()[k] == lp.tokenId()) {
          inTop = true;
          assertEquals(lp.topLogprobs()[k], lp.logprob());
        }
      }
      sawOutsideTop |= !inTop;
    }
    // Temperature 1.5 over 258 tokens: some draw falls outside the top 5, whose logprob is then
    // computed from two logits; the same request with 20 alternatives must agree with it.
    assertTrue(sawOutsideTop, "no token outside the top 5 was drawn");
    Served wide =
        Served.drain(
            engine.submit(new ServeRequest(null, prompt, hot, 10, List.of(), Set.of(), true, 20)));
    for (int i = 0; i < 10; i++) {
      assertEquals(
          wide.completion().logprobs().get(i).logprob(),
          s.completion().logprobs().get(i).logprob(),
          1e-5f);
    }
  }

  @Test
  void refusedRequestsSayWhy() {
    int[] ok = {256, 1};
    RequestRejectedException e =
        refused(engine, request(new int[80], 20, List.of(), Set.of(), true));
    assertEquals(Reason.TOO_LONG, e.reason());
    assertTrue(e.getMessage().contains("80 tokens + max tokens 20 = 100"), e.getMessage());
    assertTrue(e.getMessage().contains("model length of 96"), e.getMessage());
    e = refused(engine, request(new int[] {256, 300}, 4, List.of(), Set.of(), true));
    assertEquals(Reason.INVALID, e.reason());
    assertTrue(e.getMessage().contains("prompt token 1 is 300"), e.getMessage());
    assertEquals(
        Reason.INVALID,
        refused(engine, request(new int[0], 4, List.of(), Set.of(), true)).reason());
    assertEquals(
        Reason.INVALID,
        refused(
                engine,
                new ServeRequest(
                    null, ok, SamplingSettings.greedy(), 4, List.of(), Set.of(), true, 21))
            .reason());
    assertEquals(
        Reason.INVALID, refused(engine, request(ok, 4, List.of(), Set.of(-1), true)).reason());
  }

  @Test
  void aRequestLargerThanThePoolIsRefusedWithItsNumbers() {
    try (ContinuousBatchingEngine small =
        ServingEngine.open(
            model,
            ServingOptions.builder()
                .device(Device.CPU)
                .maxModelLen(96)
                .maxNumSeqs(2)
                .blockSize(8)
                .numKvBlocks(3)
                .build())) {
      RequestRejectedException e =
          refused(small, request(new int[20], 10, List.of(), Set.of(), true));
      assertEquals(Reason.TOO_LONG, e.reason());
      assertTrue(e.getMessage().contains("needs 4 KV blocks of 8 tokens"), e.getMessage());
      assertTrue(e.getMessage().contains("the whole pool has 3 (24 tokens)"), e.getMessage());
      small.shutdown(0);
      assertEquals(
          Reason.SHUTTING_DOWN,
          refused(small, request(new int[] {1}, 1, List.of(), Set.of(), true)).reason());
    }
  }

  @Test
  void aFullQueueRefusesMore() {
    try (ContinuousBatchingEngine none =
        ServingEngine.open(
            model,
            ServingOptions.builder()
                .device(Device.CPU)
                .maxModelLen(96)
                .maxNumSeqs(2)
                .maxWaiting(0)
                .numKvBlocks(8)
                .build())) {
      RequestRejectedException e =
          refused(none, request(new int[] {1}, 1, List.of(), Set.of(), true));
      assertEquals(Reason.QUEUE_FULL, e.reason());
    }
  }

  @Test
  void idsComeFromTheCallerOrTheEngine() throws Exception {
    var named =
        engine.submit(
            new ServeRequest(
                "mine",
                new int[] {256},
                SamplingSettings.greedy(),
                2,
                List.of(),
                Set.of(),
                true,
                -1));
    var unnamed = engine.submit(request(new int[] {256}, 2, List.of(), Set.of(), true));
    assertEquals("mine", named.id());
    assertTrue(unnamed.id().startsWith("req-"));
    Served.drain(named);
    Served.drain(unnamed);
  }
}
