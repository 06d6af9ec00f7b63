package dev.kernelj.llm.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.engine.GenerationRequest;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.engine.StopConditions;
import dev.kernelj.llm.engine.TokenListener;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The serving engine ({@code kernelj serve}, {@code bench --serve}) loads quantized checkpoints as
 * the static-batch engine does, and its greedy tokens are that engine's, on the CPU backend.
 */
class QuantizedServingTest {
  @TempDir Path dir;

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(QuantizedTinyLlama.GPTQ_ACT_ORDER, TinyLlama.LLAMA),
        Arguments.of(QuantizedTinyLlama.GPTQ_V1_SYM, TinyLlama.MISTRAL),
        Arguments.of(QuantizedTinyLlama.AWQ, TinyLlama.QWEN2));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void servedGreedyTokensAreTheStaticEnginesTokens(
      QuantizedTinyLlama.Layout layout, TinyLlama.Spec spec) throws Exception {
    Path model = QuantizedTinyLlama.write(dir.resolve("q"), spec, layout, 5).dir();
    int[][] prompts = {{256, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {256, 40}};
    int steps = 12;
    try (Engine reference =
            Engine.open(
                model,
                EngineOptions.defaults()
                    .withDevice(Device.CPU)
                    .withMaxContext(96)
                    .withBlockSize(8));
        ServingEngine served =
            ServingEngine.open(
                model,
                ServingOptions.builder()
                    .device(Device.CPU)
                    .maxModelLen(96)
                    .maxNumSeqs(4)
                    .maxNumBatchedTokens(32)
                    .blockSize(8)
                    .numKvBlocks(40)
                    .build())) {
      for (int[] prompt : prompts) {
        int[] expected =
            reference
                .generate(
                    List.of(
                        new GenerationRequest(
                            prompt,
                            SamplingSettings.greedy(),
                            new StopConditions(steps, Set.of(), List.of()))),
                    TokenListener.NONE)
                .get(0)
                .tokens();
        RequestHandle handle =
            served.submit(
                new ServeRequest(
                    null, prompt, SamplingSettings.greedy(), steps, List.of(), Set.of(), true, -1));
        assertEquals(steps, expected.length);
        assertArrayEquals(
            expected,
            handle.completion().get(60, TimeUnit.SECONDS).tokenIds(),
            layout + " " + spec.name());
      }
    }
  }
}
