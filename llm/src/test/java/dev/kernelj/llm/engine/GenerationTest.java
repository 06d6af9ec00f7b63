package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.model.TinyLlama;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generation on the reference backend: batching, seeds, stop conditions, streaming, errors. */
class GenerationTest {
  @TempDir static Path dir;
  static Engine engine;

  @BeforeAll
  static void open() throws Exception {
    Path model = TinyLlama.write(dir.resolve("m"), TinyLlama.LLAMA, 5).dir();
    engine =
        Engine.open(
            model,
            EngineOptions.defaults()
                .withDevice(Device.CPU)
                .withMaxBatch(4)
                .withMaxContext(96)
                .withBlockSize(8));
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  static GenerationRequest request(int[] prompt, SamplingSettings s, int maxTokens) {
    return new GenerationRequest(prompt, s, new StopConditions(maxTokens, Set.of(), List.of()));
  }

  @Test
  void aBatchGeneratesWhatEachSequenceGeneratesAlone() {
    int[][] prompts = {{256, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {256, 40}, {256, 99, 98, 97, 96, 95}};
    List<GenerationRequest> batch = new ArrayList<>();
    for (int[] p : prompts) {
      batch.add(request(p, SamplingSettings.greedy(), 12));
    }
    List<GenerationResult> together = engine.generate(batch, TokenListener.NONE);
    for (int i = 0; i < prompts.length; i++) {
      GenerationResult alone = engine.generate(List.of(batch.get(i)), TokenListener.NONE).get(0);
      assertArrayEquals(alone.tokens(), together.get(i).tokens(), "sequence " + i);
      assertEquals(12, alone.tokens().length);
    }
  }

  @Test
  void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
    SamplingSettings s = new SamplingSettings(1.5, 0, 1, 0, 1, 123);
    int[] prompt = {256, 10, 20, 30};
    int[] a = engine.generate(List.of(request(prompt, s, 24)), TokenListener.NONE).get(0).tokens();
    int[] b = engine.generate(List.of(request(prompt, s, 24)), TokenListener.NONE).get(0).tokens();
    int[] c =
        engine
            .generate(List.of(request(prompt, s.withSeed(124), 24)), TokenListener.NONE)
            .get(0)
            .tokens();
    assertArrayEquals(a, b);
    assertFalse(java.util.Arrays.equals(a, c), "seeds 123 and 124 drew the same 24 tokens");
  }

  @Test
  void stopsAtMaxTokensAndOnEos() {
    int[] prompt = {256, 7, 8};
    int[] greedy =
        engine
            .generate(List.of(request(prompt, SamplingSettings.greedy(), 10)), TokenListener.NONE)
            .get(0)
            .tokens();
    assertEquals(10, greedy.length);
    int eos = greedy[4];
    GenerationRequest r =
        new GenerationRequest(
            prompt, SamplingSettings.greedy(), new StopConditions(10, Set.of(eos), List.of()));
    GenerationResult stopped = engine.generate(List.of(r), TokenListener.NONE).get(0);
    assertEquals(FinishReason.EOS, stopped.finishReason());
    int first = 0;
    while (greedy[first] != eos) {
      first++;
    }
    assertArrayEquals(java.util.Arrays.copyOf(greedy, first), stopped.tokens());
  }

  @Test
  void stopStringsCutTheTextAndTheStreamNeverShowsThem() {
    GenerationRequest free = engine.request("abc", SamplingSettings.greedy(), 30, List.of());
    String text = engine.generate(List.of(free), TokenListener.NONE).get(0).text();
    assertTrue(text.length() >= 4, "need some text to cut: " + text);
    String stop = text.substring(2, 4);
    StringBuilder streamed = new StringBuilder();
    GenerationResult cut =
        engine
            .generate(
                List.of(engine.request("abc", SamplingSettings.greedy(), 30, List.of(stop))),
                (seq, piece) -> streamed.append(piece))
            .get(0);
    assertEquals(FinishReason.STOP_STRING, cut.finishReason());
    assertEquals(text.substring(0, text.indexOf(stop)), cut.text());
    assertEquals(cut.text(), streamed.toString());
  }

  @Test
  void streamedTextIsTheWholeText() {
    StringBuilder streamed = new StringBuilder();
    GenerationResult r =
        engine
            .generate(
                List.of(
                    engine.request(
                        "hi", new SamplingSettings(1, 50, 0.9, 0.05, 1.3, 9), 20, List.of())),
                (seq, piece) -> streamed.append(piece))
            .get(0);
    assertEquals(r.text(), streamed.toString());
    assertEquals(FinishReason.MAX_TOKENS, r.finishReason());
  }

  @Test
  void tooLongARequestSaysWhatFits() {
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                engine.generate(
                    List.of(request(new int[90], SamplingSettings.greedy(), 10)),
                    TokenListener.NONE));
    assertTrue(
        e.getMessage()
            .contains("90 tokens + 10 new tokens = 100 exceeds the engine's context of 96"),
        e.getMessage());
    assertThrows(
        EngineException.class,
        () ->
            engine.generate(
                List.of(
                    request(new int[] {1}, SamplingSettings.greedy(), 1),
                    request(new int[] {1}, SamplingSettings.greedy(), 1),
                    request(new int[] {1}, SamplingSettings.greedy(), 1),
                    request(new int[] {1}, SamplingSettings.greedy(), 1),
                    request(new int[] {1}, SamplingSettings.greedy(), 1)),
                TokenListener.NONE));
  }

  @Test
  void aContextBeyondTheBudgetIsOneErrorNamingWhatFits() {
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                KvCacheSizing.blocks(
                    engine.config(),
                    2,
                    16,
                    10 * dev.kernelj.llm.model.PagedKvCache.blockBytes(engine.config(), 2, 16),
                    4,
                    64,
                    "test budget"));
    assertTrue(
        e.getMessage().contains("160 tokens")
            && e.getMessage().contains("--max-context 32 at a batch of 4")
            && e.getMessage().contains("a batch of 2 at --max-context 64")
            && !e.getMessage().contains("--max-batch"),
        e.getMessage());
  }
}
