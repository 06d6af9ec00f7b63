package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.ServingOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mixed steps (chunked prefill, chunks beside decode rows, a prefix taken from another sequence's
 * blocks, decode buckets with padding) give bit for bit the logits of the static engine's
 * whole-prompt prefill and single-sequence decode, on the reference backend.
 */
class MixedStepTest {
  @TempDir Path dir;

  static ServingOptions options() {
    return ServingOptions.builder()
        .device(Device.CPU)
        .maxModelLen(64)
        .maxNumSeqs(4)
        .maxNumBatchedTokens(32)
        .blockSize(MixedStepScenario.BLOCK)
        .numKvBlocks(64)
        .build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen3", "mistral-window"})
  void mixedStepsMatchTheStaticEngine(String name) throws Exception {
    TinyLlama.Spec spec =
        switch (name) {
          case "qwen2" -> TinyLlama.QWEN2; // q/k/v biases
          case "qwen3" -> TinyLlama.QWEN3; // q/k norms
          case "mistral-window" -> TinyLlama.MISTRAL; // sliding window (set below)
          default -> TinyLlama.LLAMA;
        };
    Path model = TinyLlama.write(dir.resolve(name), spec, 9).dir();
    if (name.equals("mistral-window")) {
      setSlidingWindow(model, 11); // shorter than the prompts: chunks and decode rows both cut
    }
    MixedStepScenario run;
    try (ServingModel serving = ServingModel.open(model, options())) {
      run = new MixedStepScenario(serving, 21);
      run.run();
    }
    try (Engine engine =
        Engine.open(
            model,
            EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(64).withBlockSize(8))) {
      for (MixedStepScenario.Seq s : new MixedStepScenario.Seq[] {run.a, run.b, run.c, run.d}) {
        int steps = s.logits.size() - 1;
        LogitsTrace trace = engine.logits(s.prompt, steps);
        int vocab = trace.vocab();
        for (int k = 0; k <= steps; k++) {
          int row = s.prompt.length - 1 + k;
          float[] expected =
              java.util.Arrays.copyOfRange(trace.rows(), row * vocab, (row + 1) * vocab);
          assertArrayEquals(expected, s.logits.get(k), name + ": logits of sampled step " + k);
          assertEquals(trace.greedyIds()[k], (int) s.sampled.get(k), name + ": greedy id " + k);
        }
      }
    }
  }

  @Test
  void theScenarioSamplesWhatItShould() throws Exception {
    Path model = TinyLlama.write(dir.resolve("m"), TinyLlama.LLAMA, 9).dir();
    try (ServingModel serving = ServingModel.open(model, options())) {
      MixedStepScenario run = new MixedStepScenario(serving, 21);
      run.run();
      assertEquals(5, run.a.logits.size());
      assertEquals(5, run.b.logits.size());
      assertEquals(3, run.c.logits.size());
      assertEquals(2, run.d.logits.size());
    }
  }

  private static void setSlidingWindow(Path model, int window) throws Exception {
    Path config = model.resolve("config.json");
    String text = java.nio.file.Files.readString(config);
    text = text.replaceFirst("\\{", "{\"sliding_window\": " + window + ", ");
    java.nio.file.Files.writeString(config, text);
  }
}
