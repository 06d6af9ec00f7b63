package dev.kernelj.ops.kernels.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplingReferenceTest {
  @Test
  void philoxMatchesTheRandom123KnownAnswers() {
    assertArrayEquals(
        new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, Philox.block(0, 0, 0, 0, 0, 0));
    assertArrayEquals(
        new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        Philox.block(-1, -1, -1, -1, -1, -1));
    assertArrayEquals(
        new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
        Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
  }

  @Test
  void reproducibleExp2IsAccurate() {
    double worst = 0;
    for (int i = 0; i <= 320_000; i++) {
      float y = -i / 10_000f;
      double exact = Math.pow(2, y);
      worst = Math.max(worst, Math.abs(ReproducibleWeights.exp2(y) - exact) / exact);
    }
    assertTrue(worst < 3e-7, "worst relative error " + worst);
    assertEquals(ReproducibleWeights.ONE, ReproducibleWeights.weight(3f, 0.5f, 6f));
    assertEquals(0, ReproducibleWeights.weight(-100f, 1f, 0f));
  }

  @Test
  void greedyTakesTheLowestIndexAmongEqualMaxima() {
    float[] logits = {1, 5, 2, 5, -1, 0, 0, 0};
    int[] tokens =
        SamplingReference.sample(
            logits,
            2,
            4,
            new float[] {0, -1},
            new int[2],
            new float[] {1, 1},
            new float[2],
            new long[2],
            new int[2]);
    assertArrayEquals(new int[] {1, 1}, tokens);
  }

  @Test
  void filtersKeepExactlyTheNaiveFloat64Sets() {
    // Distinct, well separated logits: the integer weights cannot blur any filter boundary.
    int vocab = 200;
    Random rng = new Random(7);
    float[] logits = new float[vocab];
    Integer[] perm = new Integer[vocab];
    for (int i = 0; i < vocab; i++) {
      perm[i] = i;
    }
    java.util.Collections.shuffle(Arrays.asList(perm), rng);
    for (int i = 0; i < vocab; i++) {
      logits[perm[i]] = 4f - i * 0.0537f;
    }
    float t = 0.8f;
    double[] p = softmax(logits, t);
    Integer[] byProb = Arrays.copyOf(perm, vocab); // perm is already in descending logit order

    for (int k : new int[] {1, 5, 50, 199}) {
      assertEquals(naiveTopK(byProb, k), kept(logits, t, k, 1f, 0f), "top-k " + k);
    }
    for (float top : new float[] {0.1f, 0.5f, 0.9f, 0.99f}) {
      assertEquals(naiveTopP(byProb, p, top), kept(logits, t, 0, top, 0f), "top-p " + top);
    }
    for (float minP : new float[] {0.01f, 0.2f, 0.9f}) {
      Set<Integer> expected = new HashSet<>();
      double pMax = p[byProb[0]];
      for (int i = 0; i < vocab; i++) {
        if (p[i] >= minP * pMax) {
          expected.add(i);
        }
      }
      assertEquals(expected, kept(logits, t, 0, 1f, minP), "min-p " + minP);
    }
    // top-p applies to what top-k kept: renormalise over the 20 best, keep 50% of that mass
    double[] topTwenty = new double[vocab];
    double mass = 0;
    for (int i = 0; i < 20; i++) {
      mass += p[byProb[i]];
    }
    for (int i = 0; i < 20; i++) {
      topTwenty[byProb[i]] = p[byProb[i]] / mass;
    }
    assertEquals(naiveTopP(byProb, topTwenty, 0.5f), kept(logits, t, 20, 0.5f, 0f));
  }

  @Test
  void drawsFollowTheFilteredDistribution() {
    float[] logits = {2.0f, 1.5f, 1.0f, 0.5f, 0.0f, -0.5f, -1.0f, -3f};
    float t = 1.3f;
    int topK = 6;
    double[] p = softmax(logits, t);
    double mass = 0;
    for (int i = 0; i < topK; i++) {
      mass += p[i];
    }
    int draws = 40_000;
    int[] counts = new int[logits.length];
    for (int step = 0; step < draws; step++) {
      counts[
          SamplingReference.sampleRow(logits, 0, logits.length, t, topK, 1f, 0f, 12345L, step)]++;
    }
    for (int i = 0; i < logits.length; i++) {
      double expected = i < topK ? p[i] / mass : 0;
      double sigma = Math.sqrt(draws * expected * (1 - expected)) + 1e-9;
      assertTrue(
          Math.abs(counts[i] - draws * expected) <= 5 * sigma + (expected == 0 ? 0 : 1),
          "token " + i + ": " + counts[i] + " draws, expected " + draws * expected);
    }
  }

  @Test
  void theSameSeedAndStepGiveTheSameTokenAndOthersDiffer() {
    Random rng = new Random(3);
    float[] logits = new float[1000];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) rng.nextGaussian();
    }
    int a = SamplingReference.sampleRow(logits, 0, 1000, 1f, 0, 1f, 0f, 99L, 5);
    assertEquals(a, SamplingReference.sampleRow(logits, 0, 1000, 1f, 0, 1f, 0f, 99L, 5));
    Set<Integer> seen = new HashSet<>();
    for (int step = 0; step < 50; step++) {
      seen.add(SamplingReference.sampleRow(logits, 0, 1000, 1f, 0, 1f, 0f, 99L, step));
    }
    assertTrue(
        seen.size() > 30,
        "50 steps drew only " + seen.size() + " distinct tokens from a flat distribution");
  }

  @Test
  void penaltiesApplyOncePerDistinctTokenWithItsCount() {
    float[] logits = {2f, -2f, 1f, 0.5f, 3f, 3f};
    int[] history = {
      0, 1, 0, 9, -1, 0, 2, 2, 2, 2
    }; // row 0: 0,1,0 (ids 9 and -1 ignored); row 1: 0 (the 2s lie beyond its length)
    SamplingReference.applyPenalties(
        logits,
        2,
        3,
        history,
        new int[] {5, 1},
        5,
        new float[] {2f, 1.5f},
        new float[] {0.25f, 0f},
        new float[] {0.5f, 1f});
    assertEquals(2f / 2f - (0.25f + 0.5f * 2), logits[0], 0f);
    assertEquals(-2f * 2f - (0.25f + 0.5f * 1), logits[1], 0f);
    assertEquals(1f, logits[2], 0f);
    assertEquals(0.5f / 1.5f - 1f, logits[3], 0f);
    assertEquals(3f, logits[4], 0f);
    assertEquals(3f, logits[5], 0f);
  }

  @Test
  void topLogprobsAreTheBestLogSoftmaxValuesInOrder() {
    float[] logits = {0.5f, 3f, -1f, 3f, 2f, 0f};
    var top = SamplingReference.topLogprobs(logits, 1, 6, 3);
    assertArrayEquals(new int[] {1, 3, 4}, top.ids());
    double z = 0;
    for (float x : logits) {
      z += Math.exp(x);
    }
    assertEquals(3 - Math.log(z), top.logprobs()[0], 1e-6);
    assertEquals(2 - Math.log(z), top.logprobs()[2], 1e-6);
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> SamplingReference.topLogprobs(logits, 1, 6, 7));
    assertTrue(e.getMessage().contains("n must be in [1, min(vocab 6"), e.getMessage());
  }

  private static Set<Integer> kept(float[] logits, float t, int topK, float topP, float minP) {
    float max = Float.NEGATIVE_INFINITY;
    for (float x : logits) {
      max = Math.max(max, x);
    }
    long[] w = new long[logits.length];
    for (int i = 0; i < w.length; i++) {
      w[i] = ReproducibleWeights.weight(logits[i], t, max / t);
    }
    long threshold = SamplingReference.keepThreshold(w, topK, topP, minP);
    Set<Integer> kept = new HashSet<>();
    for (int i = 0; i < w.length; i++) {
      if (w[i] >= threshold) {
        kept.add(i);
      }
    }
    return kept;
  }

  private static double[] softmax(float[] logits, float t) {
    double max = Double.NEGATIVE_INFINITY;
    for (float x : logits) {
      max = Math.max(max, x / (double) t);
    }
    double[] p = new double[logits.length];
    double z = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(logits[i] / (double) t - max);
      z += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= z;
    }
    return p;
  }

  private static Set<Integer> naiveTopK(Integer[] byProb, int k) {
    return new HashSet<>(Arrays.asList(byProb).subList(0, k));
  }

  /** The smallest prefix of the most likely tokens whose probability reaches topP. */
  private static Set<Integer> naiveTopP(Integer[] byProb, double[] p, float topP) {
    Set<Integer> kept = new HashSet<>();
    double acc = 0;
    for (int i : byProb) {
      kept.add(i);
      acc += p[i];
      if (acc >= topP) {
        break;
      }
    }
    return kept;
  }
}
