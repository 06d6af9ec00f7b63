package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.backend.ReferenceOps;
import dev.kernelj.ops.kernels.sampling.SamplingReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's sampler on the reference backend: filters, penalties, seeds and steps on hand-made
 * logits.
 */
class ReferenceTokenSamplerTest {
  private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, 3.0f, -1.0f, 2.9f};

  private final ReferenceOps ops = new ReferenceOps();
  private final ReferenceTokenSampler sampler = new ReferenceTokenSampler(ops, 4);

  @AfterEach
  void close() {
    sampler.close();
    ops.close();
  }

  /**
   * Samples {@code rows} from one logits row each ({@code logits} repeated), returns their tokens.
   */
  private int[] sample(float[] logits, List<SampleRow> rows) {
    float[] all = new float[rows.size() * logits.length];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(logits, 0, all, r * logits.length, logits.length);
    }
    boolean penalized = sampler.prepare(rows, rows.size());
    sampler.launch(Tensor.fromFloats(DType.F32, all, rows.size(), logits.length), penalized);
    return StepIo.host().readInts(sampler.sampled().slice(0, 0, rows.size()));
  }

  private int sample(SamplingSettings s, int step, int... history) {
    return sample(LOGITS, List.of(new SampleRow(s, step, history)))[0];
  }

  private Map<Integer, Integer> histogram(SamplingSettings s, int draws) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int i = 0; i < draws; i++) {
      counts.merge(sample(s, i), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void greedyTakesTheArgmaxAndTheLowestIdOnTies() {
    assertEquals(3, sample(SamplingSettings.greedy(), 0));
    assertEquals(
        1,
        sample(new float[] {0, 5, 5}, List.of(new SampleRow(SamplingSettings.greedy(), 7, null)))[
            0]);
  }

  @Test
  void topKKeepsOnlyTheKMostLikely() {
    assertEquals(
        Set.of(3, 5),
        histogram(SamplingSettings.greedy().withTemperature(1).withTopK(2), 2000).keySet());
    assertEquals(
        Set.of(3, 5, 0),
        histogram(SamplingSettings.greedy().withTemperature(1).withTopK(3), 2000).keySet());
  }

  @Test
  void topPKeepsTheSmallestSetReachingP() {
    // p(3) = 0.399, p(5) = 0.361, p(0) = 0.147, p(1) = 0.054 ...: top-p 0.75 keeps {3, 5}, 0.8 adds
    // 0.
    assertEquals(
        Set.of(3, 5),
        histogram(SamplingSettings.greedy().withTemperature(1).withTopP(0.75), 3000).keySet());
    assertEquals(
        Set.of(3, 5, 0),
        histogram(SamplingSettings.greedy().withTemperature(1).withTopP(0.8), 3000).keySet());
    // After top-k 2 only {3, 5} remain (renormalized: 0.525, 0.475): top-p 0.5 keeps just 3.
    assertEquals(
        Set.of(3),
        histogram(SamplingSettings.greedy().withTemperature(1).withTopK(2).withTopP(0.5), 3000)
            .keySet());
  }

  @Test
  void minPDropsTokensFarBelowTheBest() {
    // p(x) / p(3) = e^(l - 3): 0.905 for 5, 0.37 for 0, 0.135 for 1.
    assertEquals(
        Set.of(3, 5, 0),
        histogram(SamplingSettings.greedy().withTemperature(1).withMinP(0.3), 3000).keySet());
  }

  @Test
  void frequenciesFollowTheSoftmax() {
    Map<Integer, Integer> h =
        histogram(SamplingSettings.greedy().withTemperature(1).withSeed(77), 20000);
    double z = 0;
    for (float l : LOGITS) {
      z += Math.exp(l);
    }
    for (int i = 0; i < LOGITS.length; i++) {
      double expected = Math.exp(LOGITS[i]) / z;
      double seen = h.getOrDefault(i, 0) / 20000.0;
      assertTrue(Math.abs(seen - expected) < 0.015, "token " + i + ": " + seen + " vs " + expected);
    }
  }

  @Test
  void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
    SamplingSettings s = SamplingSettings.greedy().withRepetitionPenalty(2);
    assertEquals(5, sample(s, 0, 3)); // 3.0 / 2 = 1.5 < 2.9
    assertEquals(0, sample(s, 0, 3, 5)); // 2.9 / 2 = 1.45 < 2.0
    // Negative logits get more negative: with every token seen but 4 (-1.0), 4 still loses to 2
    // (0.5 / 2).
    assertEquals(0, sample(s, 0, 3, 5, 3, 3)); // once per distinct token, however often it was seen
    assertEquals(
        3, sample(SamplingSettings.greedy(), 0, 3), "an unpenalized row ignores its history");
  }

  @Test
  void eachRowDrawsFromItsOwnSeedAndStepWhereverItSitsInTheBatch() {
    SamplingSettings hot = SamplingSettings.greedy().withTemperature(2);
    List<SampleRow> rows = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      rows.add(new SampleRow(hot.withSeed(1000 + r), 10 + r, null));
    }
    float[] flat = new float[64];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = (float) Math.sin(i); // many plausible tokens, so seeds and steps show
    }
    int[] together = sample(flat, rows);
    for (int r = 0; r < 4; r++) {
      assertEquals(together[r], sample(flat, List.of(rows.get(r)))[0], "row " + r + " alone");
      // The key of the ops' Philox stream is the row's own seed, its counter the row's step:
      // exactly what the CUDA sampler's per-row arrays hold.
      assertEquals(
          SamplingReference.sampleRow(flat, 0, flat.length, 2f, 0, 1f, 0f, 1000 + r, 10 + r),
          together[r]);
    }
    int[] draws = new int[40];
    for (int step = 0; step < draws.length; step++) {
      draws[step] = sample(flat, List.of(new SampleRow(hot, step, null)))[0];
    }
    assertFalse(
        java.util.Arrays.stream(draws).allMatch(t -> t == draws[0]),
        "40 steps drew one token: the step is not the counter");
    int[] again = new int[draws.length];
    for (int step = 0; step < draws.length; step++) {
      again[step] = sample(flat, List.of(new SampleRow(hot, step, null)))[0];
    }
    assertArrayEquals(draws, again);
  }

  @Test
  void moreRowsThanTheSamplerHoldsIsAnError() {
    List<SampleRow> five = java.util.Collections.nCopies(5, SampleRow.PADDING);
    assertThrows(IllegalArgumentException.class, () -> sampler.prepare(five, 5));
  }

  @Test
  void settingsMapToTheOpsParameters() {
    var p = new SamplingSettings(0.7, 40, 0.9, 0.05, 1.3, 5).toParams();
    assertEquals(0.7f, p.temperature());
    assertEquals(40, p.topK());
    assertEquals(0.9f, p.topP());
    assertEquals(0.05f, p.minP());
    assertEquals(1.3f, p.repetitionPenalty());
    assertEquals(
        0f,
        SamplingSettings.greedy().withTemperature(-1).toParams().temperature(),
        "temperature <= 0 is greedy");
    assertThrows(EngineException.class, () -> SamplingSettings.greedy().withMinP(1));
  }
}
