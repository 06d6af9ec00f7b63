package dev.kernelj.ops.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.SampleRow;
import dev.kernelj.ops.SamplingParams;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TokenSampler;
import dev.kernelj.ops.kernels.sampling.SamplingReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The token sampler of the reference backend, through the {@link Ops} API: filters, penalties,
 * seeds, steps and logprobs on hand-made logits.
 */
class TwinTokenSamplerTest {
  private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, 3.0f, -1.0f, 2.9f};
  private static final int CAPACITY = 4;

  private final Ops ops = new ReferenceOps();
  private final TokenSampler.Shape shape = new TokenSampler.Shape(CAPACITY, LOGITS.length, 16, 3);
  private final StepIo io = ops.stepIo(shape.stagedInts(), CAPACITY * LOGITS.length);
  private final TokenSampler sampler = ops.tokenSampler(shape, io);

  @AfterEach
  void close() {
    sampler.close();
    io.close();
    ops.close();
  }

  private static SamplingParams sampled(float temperature) {
    return SamplingParams.of(temperature, 0, 1f, 0f);
  }

  /** Samples {@code rows}, each from its own copy of {@code logits}; returns their tokens. */
  private int[] sample(float[] logits, List<SampleRow> rows) {
    float[] all = new float[rows.size() * logits.length];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(logits, 0, all, r * logits.length, logits.length);
    }
    TokenSampler s = sampler;
    if (logits.length != shape.vocab()) {
      s = ops.tokenSampler(new TokenSampler.Shape(CAPACITY, logits.length, 16, 0), io);
    }
    TokenSampler.Pass pass = s.prepare(rows, rows.size());
    s.launch(Tensor.fromFloats(DType.F32, all, rows.size(), logits.length), pass);
    int[] tokens = io.readInts(s.sampled().slice(0, 0, rows.size()));
    io.endStep();
    return tokens;
  }

  private int sample(SamplingParams p, long seed, int step, int... history) {
    SampleRow row = SampleRow.of(p, seed, step).withHistory(history, history.length);
    return sample(LOGITS, List.of(row))[0];
  }

  private Map<Integer, Integer> histogram(SamplingParams p, long seed, int draws) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int i = 0; i < draws; i++) {
      counts.merge(sample(p, seed, i), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void greedyTakesTheArgmaxAndTheLowestIdOnTies() {
    assertEquals(3, sample(SamplingParams.greedy(), 0, 0));
    assertEquals(
        1, sample(new float[] {0, 5, 5}, List.of(SampleRow.of(SamplingParams.greedy(), 0, 7)))[0]);
  }

  @Test
  void topKKeepsOnlyTheKMostLikely() {
    assertEquals(Set.of(3, 5), histogram(SamplingParams.of(1, 2, 1, 0), 0, 2000).keySet());
    assertEquals(Set.of(3, 5, 0), histogram(SamplingParams.of(1, 3, 1, 0), 0, 2000).keySet());
  }

  @Test
  void topPKeepsTheSmallestSetReachingP() {
    // p(3) = 0.399, p(5) = 0.361, p(0) = 0.147, p(1) = 0.054 ...: 0.75 keeps {3, 5}, 0.8 adds 0.
    assertEquals(Set.of(3, 5), histogram(SamplingParams.of(1, 0, 0.75f, 0), 0, 3000).keySet());
    assertEquals(Set.of(3, 5, 0), histogram(SamplingParams.of(1, 0, 0.8f, 0), 0, 3000).keySet());
    // After top-k 2 only {3, 5} remain (renormalized: 0.525, 0.475): top-p 0.5 keeps just 3.
    assertEquals(Set.of(3), histogram(SamplingParams.of(1, 2, 0.5f, 0), 0, 3000).keySet());
  }

  @Test
  void minPDropsTokensFarBelowTheBest() {
    // p(x) / p(3) = e^(l - 3): 0.905 for 5, 0.37 for 0, 0.135 for 1.
    assertEquals(Set.of(3, 5, 0), histogram(SamplingParams.of(1, 0, 1, 0.3f), 0, 3000).keySet());
  }

  @Test
  void frequenciesFollowTheSoftmax() {
    Map<Integer, Integer> h = histogram(sampled(1), 77, 20000);
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
    SamplingParams p = SamplingParams.greedy().withPenalties(2, 0, 0);
    assertEquals(5, sample(p, 0, 0, 3)); // 3.0 / 2 = 1.5 < 2.9
    assertEquals(0, sample(p, 0, 0, 3, 5)); // 2.9 / 2 = 1.45 < 2.0
    // Negative logits get more negative: with every token seen but 4 (-1.0), 4 still loses to 2.
    assertEquals(0, sample(p, 0, 0, 3, 5, 3, 3)); // once per distinct token, however often seen
    assertEquals(3, sample(SamplingParams.greedy(), 0, 0, 3), "an unpenalized row ignores it");
  }

  @Test
  void presenceCountsOnceAndFrequencyPerOccurrence() {
    // 3.0 - 0.2 = 2.8 < 2.9: presence alone moves the argmax to 5.
    assertEquals(5, sample(SamplingParams.greedy().withPenalties(1, 0.2f, 0), 0, 0, 3));
    // 2.9 - 3 * 0.4 = 1.7 and 3.0 - 1 * 0.4 = 2.6: frequency counts each occurrence of 5.
    assertEquals(3, sample(SamplingParams.greedy().withPenalties(1, 0, 0.4f), 0, 0, 5, 5, 5, 3));
  }

  @Test
  void rowsOfOneBatchKeepTheirOwnHistories() {
    SamplingParams p = SamplingParams.greedy().withPenalties(2, 0, 0);
    List<SampleRow> rows =
        List.of(
            SampleRow.of(p, 0, 0).withHistory(new int[] {3}, 1),
            SampleRow.of(p, 0, 0),
            SampleRow.of(p, 0, 0).withHistory(new int[] {3, 5, 9}, 2));
    assertArrayEquals(new int[] {5, 3, 0}, sample(LOGITS, rows));
  }

  @Test
  void eachRowDrawsFromItsOwnSeedAndStepWhereverItSitsInTheBatch() {
    SamplingParams hot = sampled(2);
    List<SampleRow> rows = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      rows.add(SampleRow.of(hot, 1000 + r, 10 + r));
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
      draws[step] = sample(flat, List.of(SampleRow.of(hot, 0, step)))[0];
    }
    assertFalse(
        Arrays.stream(draws).allMatch(t -> t == draws[0]),
        "40 steps drew one token: the step is not the counter");
    int[] again = new int[draws.length];
    for (int step = 0; step < draws.length; step++) {
      again[step] = sample(flat, List.of(SampleRow.of(hot, 0, step)))[0];
    }
    assertArrayEquals(draws, again);
  }

  @Test
  void logprobsAreTheRawLogSoftmaxOfTheChosenAndTheBestTokens() {
    // Row 0 penalizes token 3 hard and samples greedily: it draws 5, but its logprobs stay those of
    // the raw logits. Row 1 asks for none; row 2 for two alternatives of three.
    SamplingParams penalized = SamplingParams.greedy().withPenalties(10, 0, 0);
    List<SampleRow> rows =
        List.of(
            SampleRow.of(penalized, 0, 0).withHistory(new int[] {3}, 1).withLogprobs(3),
            SampleRow.of(SamplingParams.greedy(), 0, 0),
            SampleRow.of(SamplingParams.greedy(), 0, 0).withLogprobs(2));
    float[] all = new float[3 * LOGITS.length];
    for (int r = 0; r < 3; r++) {
      System.arraycopy(LOGITS, 0, all, r * LOGITS.length, LOGITS.length);
    }
    TokenSampler.Pass pass = sampler.prepare(rows, 3);
    assertEquals(TokenSampler.Pass.PENALTIES_AND_LOGPROBS, pass);
    sampler.launch(Tensor.fromFloats(DType.F32, all, 3, LOGITS.length), pass);
    int[] tokens = io.readInts(sampler.sampled().slice(0, 0, 3));
    float[] chosen = io.readFloats(sampler.sampledLogprobs().slice(0, 0, 3));
    int[] topIds = io.readInts(sampler.topIds().slice(0, 0, 3));
    float[] top = io.readFloats(sampler.topLogprobs().slice(0, 0, 3));
    io.endStep();
    double logZ = 0;
    for (float l : LOGITS) {
      logZ += Math.exp(l);
    }
    logZ = Math.log(logZ);
    assertArrayEquals(new int[] {5, 3, 3}, tokens);
    assertEquals(2.9 - logZ, chosen[0], 1e-6);
    assertEquals(3.0 - logZ, chosen[2], 1e-6);
    assertArrayEquals(new int[] {3, 5, 0}, Arrays.copyOfRange(topIds, 0, 3));
    assertEquals(3.0 - logZ, top[0], 1e-6);
    assertEquals(2.0 - logZ, top[2], 1e-6);
    assertEquals(chosen[2], top[6], "the chosen token's logprob equals its top-N entry");
  }

  @Test
  void rowsOutsideTheShapeAreRefused() {
    List<SampleRow> five = Collections.nCopies(5, SampleRow.PADDING);
    assertThrows(IllegalArgumentException.class, () -> sampler.prepare(five, 5));
    SampleRow tooMany = SampleRow.of(SamplingParams.greedy(), 0, 0).withLogprobs(4);
    assertThrows(IllegalArgumentException.class, () -> sampler.prepare(List.of(tooMany), 1));
    int[] longHistory = new int[17];
    SampleRow tooLong =
        SampleRow.of(SamplingParams.greedy().withPenalties(2, 0, 0), 0, 0)
            .withHistory(longHistory, 17);
    assertThrows(IllegalArgumentException.class, () -> sampler.prepare(List.of(tooLong), 1));
  }

  @Test
  void aStepThatOverflowsTheStagingCapacityFailsOnTheCpuToo() {
    StepIo small = ops.stepIo(8, 8);
    Tensor dst = ops.empty(DType.I32, 16);
    small.write(dst, new int[6]);
    assertThrows(IllegalStateException.class, () -> small.write(dst, new int[3]));
    small.endStep();
    small.write(dst, new int[8]);
  }
}
