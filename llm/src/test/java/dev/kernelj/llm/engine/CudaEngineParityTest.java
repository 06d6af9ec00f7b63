package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.testing.Gpu;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CUDA engine (decode steps eager and as CUDA graphs) against the reference engine at bf16, on
 * tiny models of shapes the CUDA attention takes; sampled generation identical with and without
 * graphs; unsupported shapes refused up front.
 */
@Tag("gpu")
class CudaEngineParityTest {
  @TempDir Path dir;

  @BeforeEach
  void requireGpu() {
    Gpu.assumeUsable();
  }

  private static TinyLlama.Spec spec(String name) {
    return switch (name) {
      case "mistral" -> TinyLlama.MISTRAL_H64;
      case "qwen2" -> TinyLlama.QWEN2_H64;
      case "qwen3" -> TinyLlama.QWEN3_H64;
      case "gqa4" -> TinyLlama.GQA4_H64;
      case "tied-head128" -> TinyLlama.TIED_H128;
      default -> TinyLlama.LLAMA_H64;
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "mistral", "qwen2", "qwen3", "gqa4", "tied-head128"})
  void cudaMatchesTheReferenceBackend(String name) throws Exception {
    Path model = TinyLlama.write(dir.resolve(name), spec(name), 3).dir();
    int[] prompt = new Random(1).ints(40, 0, TinyLlama.VOCAB).toArray();
    int steps = 64;
    // Block size 16 and a 128-token context: the decode crosses blocks and the table has room to
    // spare.
    EngineOptions base =
        EngineOptions.defaults()
            .withMaxContext(128)
            .withActivation(DType.BF16)
            .withGpuMemoryUtilization(0.3);
    for (boolean graphs : new boolean[] {false, true}) {
      String what = name + " graphs=" + graphs;
      LogitsTrace trace;
      try (Engine gpu = Engine.open(model, base.withDevice(Device.CUDA).withCudaGraphs(graphs))) {
        trace = gpu.logits(prompt, steps);
      }
      int vocab = trace.vocab();
      // The device sampler's greedy ids are the argmax of the logits it saw, exactly.
      for (int step = 0; step <= steps; step++) {
        assertEquals(
            argmax(trace.rows(), (prompt.length - 1 + step) * vocab, vocab),
            trace.greedyIds()[step],
            what + ": greedy id of step " + step + " is not the argmax of its row");
      }
      // The reference backend fed the same tokens (prefill over every position), so that every
      // row compares even where a near-tie sends the two backends' greedy paths apart.
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
      int strict = 0;
      for (int step = 0; step <= steps; step++) {
        int row = (prompt.length - 1 + step) * vocab;
        int best = argmax(reference, row, vocab);
        float gap = reference[row + best] - reference[row + trace.greedyIds()[step]];
        assertTrue(
            gap <= 0.01f * scale,
            what
                + ": step "
                + step
                + " took "
                + trace.greedyIds()[step]
                + " where the reference has "
                + best
                + " ahead by "
                + gap
                + " (more than a bf16 near-tie)");
        strict += best == trace.greedyIds()[step] ? 1 : 0;
      }
      assertTrue(
          strict >= steps - 4,
          what
              + ": only "
              + strict
              + " of "
              + (steps + 1)
              + " greedy ids are the reference's argmax");
    }
  }

  @Test
  void sampledBatchesGiveTheSameTokensWithAndWithoutGraphs() throws Exception {
    Path model = TinyLlama.write(dir.resolve("sampled"), TinyLlama.LLAMA_H64, 4).dir();
    List<GenerationRequest> batch = new ArrayList<>();
    Random random = new Random(5);
    SamplingSettings[] settings = {
      new SamplingSettings(0.9, 0, 1, 0, 1, 11),
      new SamplingSettings(1.2, 20, 0.9, 0, 1, 12),
      new SamplingSettings(0.8, 0, 1, 0.05, 1.3, 13), // penalized: the other captured variant
      SamplingSettings.greedy()
    };
    for (SamplingSettings s : settings) {
      batch.add(
          new GenerationRequest(
              random.ints(5 + random.nextInt(20), 0, 256).toArray(),
              s,
              new StopConditions(48, Set.of(), List.of())));
    }
    EngineOptions base =
        EngineOptions.defaults()
            .withDevice(Device.CUDA)
            .withMaxContext(96)
            .withMaxBatch(4)
            .withGpuMemoryUtilization(0.3);
    // With the penalized row every step takes the penalized graph; without it, three rows take
    // the plain graph of bucket 4 with one padding row.
    for (List<GenerationRequest> requests :
        List.of(batch, List.of(batch.get(0), batch.get(1), batch.get(3)))) {
      List<int[]> eager = tokens(model, base.withCudaGraphs(false), requests);
      List<int[]> graphs = tokens(model, base.withCudaGraphs(true), requests);
      for (int i = 0; i < requests.size(); i++) {
        assertEquals(48, eager.get(i).length, "sequence " + i);
        assertArrayEquals(
            eager.get(i), graphs.get(i), "sequence " + i + " with " + requests.get(i).sampling());
      }
    }
  }

  private static List<int[]> tokens(
      Path model, EngineOptions options, List<GenerationRequest> batch) {
    try (Engine engine = Engine.open(model, options)) {
      engine.generate(batch, TokenListener.NONE); // warm-up: the second run replays captured graphs
      return engine.generate(batch, TokenListener.NONE).stream()
          .map(GenerationResult::tokens)
          .toList();
    }
  }

  @Test
  void shapesTheCudaAttentionCannotRunAreRefusedBeforeLoading() throws Exception {
    Path head16 =
        TinyLlama.write(dir.resolve("head16"), TinyLlama.LLAMA.withDtype("BF16"), 1).dir();
    EngineException e =
        assertThrows(
            EngineException.class,
            () -> Engine.open(head16, EngineOptions.defaults().withDevice(Device.CUDA)).close());
    assertTrue(
        e.getMessage().contains("head dim 64 or 128") && e.getMessage().contains("16"),
        e.getMessage());
    Path ok = TinyLlama.write(dir.resolve("f16"), TinyLlama.LLAMA_H64, 1).dir();
    EngineException f =
        assertThrows(
            EngineException.class,
            () ->
                Engine.open(
                        ok,
                        EngineOptions.defaults().withDevice(Device.CUDA).withActivation(DType.F16))
                    .close());
    assertTrue(f.getMessage().contains("bf16"), f.getMessage());
  }

  private static int argmax(float[] rows, int from, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (rows[from + i] > rows[from + best]) {
        best = i;
      }
    }
    return best;
  }
}
