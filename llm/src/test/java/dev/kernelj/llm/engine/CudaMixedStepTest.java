package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.testing.Gpu;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mixed steps on the CUDA backend (chunked prefill, chunks beside decode rows, a prefix from
 * another sequence's blocks gathered into the prefill attention, decode buckets as CUDA graphs):
 * each sampled row's logits equal, within bf16 tolerance, the unchunked prefill of the same tokens
 * on CUDA and on the f32 reference backend.
 */
@Tag("gpu")
class CudaMixedStepTest {
  @TempDir Path dir;

  @BeforeEach
  void requireGpu() {
    Gpu.assumeUsable();
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen3", "gqa4", "tied-head128", "mistral-window"})
  void chunkedMixedStepsMatchAnUnchunkedPrefill(String name) throws Exception {
    TinyLlama.Spec spec =
        switch (name) {
          case "qwen2" -> TinyLlama.QWEN2_H64;
          case "qwen3" -> TinyLlama.QWEN3_H64;
          case "gqa4" -> TinyLlama.GQA4_H64;
          case "tied-head128" -> TinyLlama.TIED_H128;
          case "mistral-window" -> TinyLlama.MISTRAL_H64;
          default -> TinyLlama.LLAMA_H64;
        };
    Path model = TinyLlama.write(dir.resolve(name), spec, 9).dir();
    if (name.equals("mistral-window")) {
      Path config = model.resolve("config.json");
      Files.writeString(
          config, Files.readString(config).replaceFirst("\\{", "{\"sliding_window\": 11, "));
    }
    MixedStepScenario run;
    ServingOptions options =
        MixedStepTest.options().toBuilder()
            .device(Device.CUDA)
            .activation(DType.BF16)
            .gpuMemoryUtilization(0.3)
            .build();
    try (ServingModel serving = ServingModel.open(model, options)) {
      run = new MixedStepScenario(serving, 21);
      run.run();
    }
    EngineOptions base =
        EngineOptions.defaults().withMaxContext(64).withBlockSize(8).withGpuMemoryUtilization(0.3);
    try (Engine cuda = Engine.open(model, base.withDevice(Device.CUDA).withActivation(DType.BF16));
        Engine cpu = Engine.open(model, base.withDevice(Device.CPU))) {
      for (MixedStepScenario.Seq s : new MixedStepScenario.Seq[] {run.a, run.b, run.c, run.d}) {
        // The tokens the mixed steps were fed, prefilled whole: every sampled row compares even
        // where a bf16 near-tie sent the greedy path elsewhere than the static engine's would go.
        int[] fed = Arrays.copyOf(s.prompt, s.prompt.length + s.sampled.size() - 1);
        for (int k = 0; k < s.sampled.size() - 1; k++) {
          fed[s.prompt.length + k] = s.sampled.get(k);
        }
        float[] unchunked = cuda.logits(fed, 0).rows();
        float[] reference = cpu.logits(fed, 0).rows();
        int vocab = TinyLlama.VOCAB;
        for (int k = 0; k < s.logits.size(); k++) {
          int row = (s.prompt.length - 1 + k) * vocab;
          float[] got = s.logits.get(k);
          String what = name + " sequence of " + s.prompt.length + ", sampled step " + k;
          close(got, Arrays.copyOfRange(unchunked, row, row + vocab), what + " vs CUDA prefill");
          close(got, Arrays.copyOfRange(reference, row, row + vocab), what + " vs reference");
        }
      }
    }
  }

  /** Within 3% of the row's largest logit, the bf16 tolerance of the engine's parity tests. */
  private static void close(float[] got, float[] expected, String what) {
    float worst = 0;
    float scale = 0;
    for (int i = 0; i < got.length; i++) {
      assertTrue(Float.isFinite(got[i]), what + ": non-finite logit " + i);
      worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    assertTrue(worst <= 0.03f * scale, what + ": worst difference " + worst + " of " + scale);
  }
}
