package dev.kernelj.llm.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.engine.LogitsTrace;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.TokenLogprob;
import dev.kernelj.ops.cuda.CudaOps;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Quantized tiny models on the CUDA engine (mixed-input GEMM in the decode steps, eager and as CUDA
 * graphs; dequantize + cuBLAS in a prefill longer than the crossover) against the reference engine
 * at bf16 fed the same tokens, for each checkpoint layout; and the serving engine ({@code kernelj
 * serve}) scoring a prompt of a quantized model in chunks as the CPU serving engine does.
 */
@Tag("gpu")
class QuantizedEngineGpuTest {
  @TempDir Path dir;

  @BeforeEach
  void requireGpu() {
    String[] why = new String[1];
    Optional<CudaOps> probe = CudaOps.tryOpen(0, why);
    Assumptions.assumeTrue(probe.isPresent(), () -> "no usable GPU: " + why[0]);
    probe.get().close();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(QuantizedTinyLlama.GPTQ_V1_SYM, TinyLlama.LLAMA_H64),
        Arguments.of(QuantizedTinyLlama.GPTQ_V2_ASYM, TinyLlama.QWEN2_H64),
        Arguments.of(QuantizedTinyLlama.GPTQ_ACT_ORDER, TinyLlama.GQA4_H64),
        Arguments.of(QuantizedTinyLlama.GPTQ_ACT_ORDER_UNSHARED, TinyLlama.LLAMA_H64),
        Arguments.of(QuantizedTinyLlama.GPTQ_8BIT, TinyLlama.MISTRAL_H64),
        Arguments.of(QuantizedTinyLlama.AWQ, TinyLlama.TIED_H128),
        Arguments.of(QuantizedTinyLlama.AWQ_CHANNEL, TinyLlama.LLAMA_H64),
        // Qwen3's decode multiplies by q/k/v row blocks of the fused quantized weight
        Arguments.of(QuantizedTinyLlama.GPTQ_V2_ASYM, TinyLlama.QWEN3_H64));
  }

  static Stream<Arguments> servingCases() {
    return Stream.of(
        Arguments.of(QuantizedTinyLlama.GPTQ_ACT_ORDER, TinyLlama.GQA4_H64),
        Arguments.of(QuantizedTinyLlama.AWQ, TinyLlama.TIED_H128));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("servingCases")
  void servingScoresPromptsInChunksAsTheCpuServingEngine(
      QuantizedTinyLlama.Layout layout, TinyLlama.Spec spec) throws Exception {
    Path model = QuantizedTinyLlama.write(dir.resolve(layout.name()), spec, layout, 3).dir();
    int[] prompt = new Random(12).ints(50, 0, TinyLlama.VOCAB).toArray();
    ServeRequest scored =
        new ServeRequest(
            null, prompt, SamplingSettings.greedy(), 4, List.of(), Set.of(), true, -1, 5);
    ServingOptions common = ServingOptions.builder().maxModelLen(128).blockSize(16).build();
    List<TokenLogprob> gpu;
    try (ServingEngine e =
        ServingEngine.open(
            model,
            common.toBuilder()
                .device(Device.CUDA)
                .activation(DType.BF16)
                .gpuMemoryUtilization(0.3)
                .maxNumSeqs(8)
                .maxNumBatchedTokens(32)
                .build())) {
      gpu = e.submit(scored).completion().get(120, TimeUnit.SECONDS).promptLogprobs();
    }
    List<TokenLogprob> cpu;
    try (ServingEngine e =
        ServingEngine.open(model, common.toBuilder().device(Device.CPU).numKvBlocks(16).build())) {
      cpu = e.submit(scored).completion().get(120, TimeUnit.SECONDS).promptLogprobs();
    }
    assertEquals(prompt.length - 1, gpu.size());
    for (int p = 0; p < cpu.size(); p++) {
      assertEquals(prompt[p + 1], gpu.get(p).tokenId());
      // bf16 activations against f32, as CudaServingTest allows for the dense model
      double want = cpu.get(p).logprob();
      assertEquals(want, gpu.get(p).logprob(), 0.08 + Math.abs(want) / 128, "position " + p);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void cudaMatchesTheReferenceBackend(QuantizedTinyLlama.Layout layout, TinyLlama.Spec spec)
      throws Exception {
    Path model = QuantizedTinyLlama.write(dir.resolve(layout.name()), spec, layout, 2).dir();
    EngineOptions base =
        EngineOptions.defaults()
            .withMaxContext(256)
            .withActivation(DType.BF16)
            .withGpuMemoryUtilization(0.3);
    // 140 prompt tokens: the prefill's projections take the dequantize + cuBLAS path (from 65
    // rows); each decode step takes the GEMM kernels.
    for (int promptLength : new int[] {20, 140}) {
      int[] prompt = new Random(promptLength).ints(promptLength, 0, TinyLlama.VOCAB).toArray();
      int steps = 24;
      // Eager and graphed decode for the short prompt; the long one checks the prefill path.
      for (boolean graphs :
          promptLength == 20 ? new boolean[] {false, true} : new boolean[] {true}) {
        String what = layout + " " + spec.name() + " prompt " + promptLength + " graphs=" + graphs;
        LogitsTrace trace;
        try (Engine gpu = Engine.open(model, base.withDevice(Device.CUDA).withCudaGraphs(graphs))) {
          trace = gpu.logits(prompt, steps);
        }
        int[] fed = Arrays.copyOf(prompt, prompt.length + steps);
        System.arraycopy(trace.greedyIds(), 0, fed, prompt.length, steps);
        float[] reference;
        try (Engine cpu = Engine.open(model, base.withDevice(Device.CPU))) {
          reference = cpu.logits(fed, 0).rows();
        }
        float worst = 0;
        float scale = 0;
        for (int i = 0; i < trace.rows().length; i++) {
          assertTrue(Float.isFinite(trace.rows()[i]), what + ": non-finite logit at " + i);
          worst = Math.max(worst, Math.abs(trace.rows()[i] - reference[i]));
          scale = Math.max(scale, Math.abs(reference[i]));
        }
        assertTrue(worst <= 0.03f * scale, what + ": worst " + worst + " of " + scale);
      }
    }
  }
}
