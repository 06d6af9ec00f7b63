package dev.kernelj.ops.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.SamplingParams;
import dev.kernelj.ops.Tensor;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The reference backend's sampling ops through the {@link Ops} API, against what each setting
 * means.
 */
class SamplingOpsTest {
  final Ops ops = new ReferenceOps();

  int[] sample(float[][] rows, Tensor history, SamplingParams params, long seed, long step) {
    int vocab = rows[0].length;
    float[] flat = new float[rows.length * vocab];
    for (int b = 0; b < rows.length; b++) {
      System.arraycopy(rows[b], 0, flat, b * vocab, vocab);
    }
    Tensor out = Tensor.fromInts(new int[rows.length], rows.length);
    ops.fill(out, -7);
    ops.sample(
        out, Tensor.fromFloats(DType.F32, flat, rows.length, vocab), history, params, seed, step);
    return out.toIntArray();
  }

  @Test
  void greedyTakesTheArgmaxOfEachRowAndTheLowestIdOnTies() {
    float[][] logits = {{0.1f, 3f, -2f, 3f}, {-5f, -4f, -6f, -4.5f}, {7f, 7f, 7f, 7f}};
    assertArrayEquals(new int[] {1, 1, 0}, sample(logits, null, SamplingParams.greedy(), 1, 0));
    float[][] distinct = {{0.1f, 3f, -2f, 2.9f}, {-5f, -4f, -6f, -4.5f}};
    for (int step = 0; step < 20; step++) {
      assertArrayEquals(
          new int[] {1, 1},
          sample(distinct, null, SamplingParams.of(1f, 1, 1f, 0f), 99, step),
          "top-k 1 keeps the best");
    }
  }

  @Test
  void temperatureOneDrawsTokensAtTheirSoftmaxFrequencies() {
    float[] logits = {1f, 0f, -1f, 2f};
    double[] p = softmax(logits);
    int draws = 4000;
    int[] counts = new int[logits.length];
    for (int step = 0; step < draws; step++) {
      counts[
          sample(new float[][] {logits}, null, SamplingParams.of(1f, 0, 1f, 0f), 1234, step)[0]]++;
    }
    for (int i = 0; i < logits.length; i++) {
      double sigma = Math.sqrt(draws * p[i] * (1 - p[i]));
      assertTrue(
          Math.abs(counts[i] - draws * p[i]) < 5 * sigma,
          "token " + i + " drawn " + counts[i] + " times, expected about " + draws * p[i]);
    }
  }

  @Test
  void theSameSeedAndStepGiveTheSameTokenAndRowsDrawIndependently() {
    float[] flat = new float[1000];
    float[][] rows = {flat, flat, flat, flat, flat, flat, flat, flat};
    SamplingParams params = SamplingParams.of(1f, 0, 1f, 0f);
    int[] first = sample(rows, null, params, 42, 3);
    assertArrayEquals(first, sample(rows, null, params, 42, 3));
    Set<Integer> distinct = new HashSet<>();
    for (int t : first) {
      distinct.add(t);
    }
    assertTrue(
        distinct.size() > 4,
        "rows of one call must use different streams: " + java.util.Arrays.toString(first));
    assertNotEquals(
        java.util.Arrays.toString(first),
        java.util.Arrays.toString(sample(rows, null, params, 42, 4)));
  }

  @Test
  void topPAndMinPKeepOnlyTheLikelyTokens() {
    float[] logits = {3f, 1f, 0.5f, 0f, -1f}; // p(0) is about 0.75
    for (int step = 0; step < 200; step++) {
      assertEquals(
          0, sample(new float[][] {logits}, null, SamplingParams.of(1f, 0, 0.7f, 0f), 8, step)[0]);
      int t = sample(new float[][] {logits}, null, SamplingParams.of(1f, 0, 1f, 0.12f), 8, step)[0];
      assertTrue(t <= 1, "min-p 0.12 keeps tokens 0 and 1 (p ratio 0.135), drew " + t);
    }
  }

  @Test
  void penaltiesApplyToSeenTokensOnlyIgnorePaddingAndLeaveTheLogitsAlone() {
    float[] logits = {4f, 3.5f, -1f, -1.2f, 0f};
    Tensor logitsTensor = Tensor.fromFloats(DType.F32, logits, 1, 5);
    Tensor history = Tensor.fromInts(new int[] {0, -1, 0, 7, 2}, 1, 5);
    Tensor out = Tensor.fromInts(new int[1], 1);
    ops.sample(out, logitsTensor, history, SamplingParams.greedy().withPenalties(2f, 0f, 0f), 0, 0);
    assertEquals(1, out.toIntArray()[0], "repetition 2 halves logit 4 of seen token 0 to 2 < 3.5");
    assertArrayEquals(logits, logitsTensor.toFloatArray(), "the caller's logits stay as they were");

    float[] negative = {-1f, -1.5f, -3f};
    Tensor h0 = Tensor.fromInts(new int[] {0}, 1, 1);
    assertEquals(
        1,
        sampleWith(negative, h0, SamplingParams.greedy().withPenalties(2f, 0f, 0f)),
        "a negative logit is multiplied: -2");
    assertEquals(
        1,
        sampleWith(negative, h0, SamplingParams.greedy().withPenalties(1f, 0.6f, 0f)),
        "presence 0.6: -1.6 < -1.5");
    assertEquals(
        0,
        sampleWith(negative, h0, SamplingParams.greedy().withPenalties(1f, 0.4f, 0f)),
        "presence 0.4: -1.4 > -1.5");
    Tensor h3 = Tensor.fromInts(new int[] {0, 0, 0, 1}, 1, 4);
    // frequency 0.3: token 0 seen three times, -1.9; token 1 once, -1.8
    assertEquals(1, sampleWith(negative, h3, SamplingParams.greedy().withPenalties(1f, 0f, 0.3f)));
  }

  int sampleWith(float[] logits, Tensor history, SamplingParams params) {
    Tensor out = Tensor.fromInts(new int[1], 1);
    ops.sample(out, Tensor.fromFloats(DType.F32, logits, 1, logits.length), history, params, 0, 0);
    return out.toIntArray()[0];
  }

  @Test
  void topLogprobsAreTheBestTokensWithTheirLogSoftmax() {
    float[] logits = {0.5f, 2f, -1f, 2f, 1f, 0.25f};
    Tensor ids = Tensor.fromInts(new int[6], 2, 3);
    Tensor logprobs = Tensor.zeros(DType.F32, 2, 3);
    float[] two = new float[12];
    System.arraycopy(logits, 0, two, 0, 6);
    System.arraycopy(logits, 0, two, 6, 6);
    two[6 + 5] = 9f;
    ops.topLogprobs(ids, logprobs, Tensor.fromFloats(DType.F32, two, 2, 6));
    assertArrayEquals(new int[] {1, 3, 4, 5, 1, 3}, ids.toIntArray());
    double[] p = softmax(logits);
    assertEquals(Math.log(p[1]), logprobs.getFloat(0, 0), 1e-6);
    assertEquals(Math.log(p[4]), logprobs.getFloat(0, 2), 1e-6);
  }

  static double[] softmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY, z = 0;
    for (float x : logits) {
      max = Math.max(max, x);
    }
    double[] p = new double[logits.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      z += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= z;
    }
    return p;
  }
}
