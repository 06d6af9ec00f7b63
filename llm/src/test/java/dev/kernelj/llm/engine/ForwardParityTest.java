package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.model.Float64Llama;
import dev.kernelj.llm.model.TinyLlama;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine on the reference backend against the float64 forward, over the prompt and greedy
 * decode steps.
 */
class ForwardParityTest {
  @TempDir Path dir;

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of(TinyLlama.LLAMA, 2e-4),
        Arguments.of(TinyLlama.LLAMA32_TIED, 2e-4),
        Arguments.of(TinyLlama.MISTRAL, 2e-4),
        Arguments.of(TinyLlama.QWEN2, 2e-4),
        Arguments.of(TinyLlama.QWEN3, 2e-4),
        Arguments.of(TinyLlama.QWEN3.withDtype("BF16"), 3e-2),
        Arguments.of(TinyLlama.GQA4, 2e-4),
        Arguments.of(TinyLlama.HEAD64, 2e-4),
        Arguments.of(TinyLlama.WIDE_Q, 2e-4),
        // bf16 weights: the matmul rounds activations to bf16 first, so only bf16-level agreement.
        Arguments.of(TinyLlama.LLAMA.withDtype("BF16"), 3e-2),
        Arguments.of(TinyLlama.QWEN2.withDtype("BF16"), 3e-2),
        Arguments.of(TinyLlama.LLAMA32_TIED.withDtype("F16"), 1e-2),
        // The GPU tests' shapes, on the reference backend.
        Arguments.of(TinyLlama.GQA4_H64, 3e-2),
        Arguments.of(TinyLlama.QWEN3_H64, 3e-2),
        Arguments.of(TinyLlama.TIED_H128, 3e-2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void logitsMatchFloat64Forward(TinyLlama.Spec spec, double tolerance) throws Exception {
    TinyLlama.Written model = TinyLlama.write(dir.resolve(spec.name()), spec, 7);
    int[] prompt = new Random(3).ints(13, 0, TinyLlama.VOCAB).toArray();
    int steps = 8;
    LogitsTrace trace;
    try (Engine engine =
        Engine.open(
            model.dir(),
            EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(64).withBlockSize(4))) {
      trace = engine.logits(prompt, steps);
    }
    assertEquals(prompt.length + steps, trace.rowCount());
    int[] all = Arrays.copyOf(prompt, prompt.length + steps);
    System.arraycopy(trace.greedyIds(), 0, all, prompt.length, steps);
    double[][] expected = new Float64Llama(model).logits(all);

    double scale =
        Arrays.stream(expected).flatMapToDouble(Arrays::stream).map(Math::abs).max().orElse(1);
    double worst = 0;
    for (int r = 0; r < expected.length; r++) {
      for (int v = 0; v < trace.vocab(); v++) {
        double diff = Math.abs(trace.rows()[r * trace.vocab() + v] - expected[r][v]);
        assertTrue(
            Double.isFinite(trace.rows()[r * trace.vocab() + v]),
            "row " + r + " holds a non-finite logit");
        worst = Math.max(worst, diff);
      }
    }
    assertTrue(
        worst <= tolerance * scale,
        spec.name() + ": worst logit difference " + worst + " > " + tolerance + " x " + scale);
    if (tolerance < 1e-3) {
      int[] expectedGreedy = new int[steps + 1];
      for (int i = 0; i <= steps; i++) {
        expectedGreedy[i] = argmax(expected[prompt.length - 1 + i]);
      }
      assertArrayEquals(expectedGreedy, trace.greedyIds(), spec.name() + ": greedy ids");
    }
  }

  @Test
  void mistralSlidingWindowShorterThanTheContext() throws Exception {
    TinyLlama.Written model = TinyLlama.write(dir.resolve("mistral-window"), TinyLlama.MISTRAL, 11);
    Path config = model.dir().resolve("config.json");
    int window = 5;
    Files.writeString(
        config,
        Files.readString(config).replaceFirst("\\}\\s*$", ", \"sliding_window\": " + window + "}"));
    int[] prompt = new Random(5).ints(13, 0, TinyLlama.VOCAB).toArray();
    int steps = 6;
    LogitsTrace trace;
    try (Engine engine =
        Engine.open(
            model.dir(),
            EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(64).withBlockSize(4))) {
      trace = engine.logits(prompt, steps);
    }
    int[] all = Arrays.copyOf(prompt, prompt.length + steps);
    System.arraycopy(trace.greedyIds(), 0, all, prompt.length, steps);
    Float64Llama oracle = new Float64Llama(model);
    double[][] windowed = oracle.logits(all, window);
    double[][] full = oracle.logits(all);
    double scale =
        Arrays.stream(windowed).flatMapToDouble(Arrays::stream).map(Math::abs).max().orElse(1);
    double worst = 0;
    double fromFull = 0;
    for (int r = 0; r < windowed.length; r++) {
      for (int v = 0; v < trace.vocab(); v++) {
        double got = trace.rows()[r * trace.vocab() + v];
        worst = Math.max(worst, Math.abs(got - windowed[r][v]));
        fromFull = Math.max(fromFull, Math.abs(got - full[r][v]));
      }
    }
    assertTrue(
        worst <= 2e-4 * scale,
        "worst difference from the windowed forward " + worst + " (scale " + scale + ")");
    assertTrue(
        fromFull > 100 * worst, "the window must change the logits: " + fromFull + " vs " + worst);
  }

  private static int argmax(double[] row) {
    int best = 0;
    for (int i = 1; i < row.length; i++) {
      if (row[i] > row[best]) {
        best = i;
      }
    }
    return best;
  }

  @Test
  void aQwen3CheckpointWithoutItsHeadNormsIsRefusedNamingTheTensor() throws Exception {
    TinyLlama.Written model = TinyLlama.write(dir.resolve("qwen3-no-k-norm"), TinyLlama.QWEN3, 7);
    TinyLlama.drop(model.dir(), "model.layers.1.self_attn.k_norm.weight");
    Exception e =
        org.junit.jupiter.api.Assertions.assertThrows(
            RuntimeException.class,
            () -> Engine.open(model.dir(), EngineOptions.defaults().withDevice(Device.CPU)));
    assertTrue(
        e.getMessage().contains("model.layers.1.self_attn.k_norm.weight")
            && e.getMessage().contains("missing"),
        e.getMessage());
  }
}
