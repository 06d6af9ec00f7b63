package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.model.TinyLlama;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What the engine does with logits that go non-finite, the same on every backend: the step where it
 * happens is an error naming it (found from the sampled ids, without reading the logits), and a
 * temperature so small that {@code logit / T} overflows samples like greedy. Run by the CPU test
 * and its GPU twin.
 */
final class NonFiniteScenarios {
  private static final TinyLlama.Spec SPEC = TinyLlama.LLAMA_H64;

  private NonFiniteScenarios() {}

  /** A NaN in a layer's weight poisons every position: the first token is the step named. */
  static void poisonedLayerStopsAfterThePrompt(Path dir, EngineOptions options) throws Exception {
    Path model = TinyLlama.write(dir.resolve("layer"), SPEC, 5).dir();
    TinyLlama.poison(model, "model.layers.1.mlp.down_proj.weight", 17, Float.NaN);
    try (Engine engine = Engine.open(model, options)) {
      EngineException e =
          assertThrows(EngineException.class, () -> engine.logits(new int[] {1, 2, 3}, 4));
      assertTrue(e.getMessage().contains("sequence 0, token 1 (after the prompt)"), e.getMessage());
      assertTrue(e.getMessage().contains("NaN or infinity"), e.getMessage());
    }
  }

  /**
   * An infinity in the embedding row of the first generated token: the prompt is fine, and the
   * first decode step, which feeds that token back, is the step named.
   */
  static void poisonedTokenStopsAtTheFirstDecodeStep(Path dir, EngineOptions options)
      throws Exception {
    Path model = TinyLlama.write(dir.resolve("token"), SPEC, 6).dir();
    int[] prompt = null;
    int next = -1;
    try (Engine engine = Engine.open(model, options)) {
      for (int start = 1; prompt == null; start += 3) {
        int[] candidate = {start, start + 1, start + 2};
        int first = engine.logits(candidate, 0).greedyIds()[0];
        if (first != candidate[0] && first != candidate[1] && first != candidate[2]) {
          prompt = candidate;
          next = first;
        }
      }
    }
    TinyLlama.poison(
        model, "model.embed_tokens.weight", next * SPEC.hidden(), Float.POSITIVE_INFINITY);
    int[] chosen = prompt;
    try (Engine engine = Engine.open(model, options)) {
      EngineException e = assertThrows(EngineException.class, () -> engine.logits(chosen, 3));
      assertTrue(e.getMessage().contains("sequence 0, token 2 (decode step 1)"), e.getMessage());
    }
  }

  /** Temperature 1e-38 (a float, but logit / T overflows) gives the greedy tokens. */
  static void tinyTemperatureSamplesLikeGreedy(Path dir, EngineOptions options) throws Exception {
    Path model = TinyLlama.write(dir.resolve("clean"), SPEC, 7).dir();
    try (Engine engine = Engine.open(model, options)) {
      int[] prompt = {5, 6, 7, 8};
      int[] greedy = generate(engine, prompt, SamplingSettings.greedy());
      int[] tiny =
          generate(engine, prompt, SamplingSettings.greedy().withTemperature(1e-38).withSeed(3));
      assertArrayEquals(greedy, tiny);
    }
  }

  private static int[] generate(Engine engine, int[] prompt, SamplingSettings settings) {
    GenerationRequest request =
        new GenerationRequest(prompt, settings, new StopConditions(8, Set.of(), List.of()));
    return engine.generate(List.of(request), TokenListener.NONE).get(0).tokens();
  }
}
