package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.SamplingParams;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.cuda.PagedInputs.Paged;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Attention and sampling through the {@link Ops} API: CUDA against the reference backend on fresh
 * random inputs, device outputs poisoned before each run (NaN, or -7 for token ids). Attention
 * compares with a norm-wise relative error of 1e-2 (the kernels round probabilities to bf16 for the
 * second product) and a loose per-element bound that catches unwritten or misplaced rows; sampling
 * and cache appends must match exactly.
 */
class CudaAttentionSamplingGpuTest extends CudaGpuTest {
  final Random random = new Random(System.nanoTime());

  Tensor gaussian(DType t, int... shape) {
    return PagedInputs.gaussian(random, t, shape);
  }

  static void assertAttentionClose(String what, float[] expected, float[] actual) {
    double num = 0, den = 0;
    for (int i = 0; i < expected.length; i++) {
      assertTrue(Float.isFinite(actual[i]), what + ": element " + i + " is " + actual[i]);
      double err = Math.abs(actual[i] - expected[i]);
      assertTrue(
          err <= 0.05 + 0.05 * Math.abs(expected[i]),
          what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
      num += err * err;
      den += (double) expected[i] * expected[i];
    }
    double rel = Math.sqrt(num / Math.max(den, 1e-30));
    assertTrue(rel < 1e-2, what + ": relative error " + rel);
  }

  @ParameterizedTest(name = "prefill B{0} Sq{1} Skv{2} H{3} Hkv{4} D{5} causal {6}")
  @CsvSource({
    "1, 1, 1, 4, 4, 64, false", "2, 17, 17, 8, 2, 128, true", "1, 129, 200, 4, 1, 64, true",
    "1, 300, 300, 8, 8, 128, false", "2, 100, 300, 4, 2, 128, true", "3, 77, 77, 14, 2, 64, true"
  })
  void prefillMatchesTheReference(int b, int sq, int skv, int h, int hkv, int d, boolean causal) {
    Tensor q = gaussian(DType.BF16, b, sq, h, d),
        k = gaussian(DType.BF16, b, skv, hkv, d),
        v = gaussian(DType.BF16, b, skv, hkv, d);
    float scale = (float) (1 / Math.sqrt(d));
    Tensor expected = reference.empty(DType.BF16, b, sq, h, d);
    reference.attentionPrefill(expected, q, k, v, scale, causal);
    try (Tensor dq = cuda.upload(q);
        Tensor dk = cuda.upload(k);
        Tensor dv = cuda.upload(v);
        Tensor out = poisoned(DType.BF16, b, sq, h, d)) {
      cuda.attentionPrefill(out, dq, dk, dv, scale, causal);
      assertAttentionClose("prefill", expected.toFloatArray(), cuda.toHost(out).toFloatArray());
    }
  }

  Paged paged(int kvHeads, int d, int blockSize, int... lengths) {
    return PagedInputs.paged(random, kvHeads, d, blockSize, lengths);
  }

  @ParameterizedTest(name = "decode H{0} Hkv{1} D{2} block {3} lengths {4}")
  @CsvSource({
    "4, 4, 64, 16, '1'",
    "8, 2, 128, 16, '17 5'",
    "32, 8, 128, 16, '5000 1 0'",
    "14, 2, 64, 16, '2049 777'",
    "32, 1, 128, 32, '4097'",
    "12, 12, 64, 7, '300 0 64'",
    "16, 4, 128, 16, '20000 100 65 64'"
  })
  void pagedDecodeMatchesTheReference(int h, int hkv, int d, int blockSize, String lengthsText) {
    int[] lengths =
        java.util.Arrays.stream(lengthsText.split(" ")).mapToInt(Integer::parseInt).toArray();
    int batch = lengths.length;
    Paged p = paged(hkv, d, blockSize, lengths);
    Tensor q = gaussian(DType.BF16, batch, h, d);
    float scale = (float) (1 / Math.sqrt(d));
    Tensor expected = reference.empty(DType.BF16, batch, h, d);
    reference.attentionDecode(
        expected, q, p.kCache(), p.vCache(), p.blockTable(), p.lengths(), scale);
    try (Tensor dq = cuda.upload(q);
        Tensor kc = cuda.upload(p.kCache());
        Tensor vc = cuda.upload(p.vCache());
        Tensor table = cuda.upload(p.blockTable());
        Tensor lens = cuda.upload(p.lengths());
        Tensor out = poisoned(DType.BF16, batch, h, d)) {
      cuda.attentionDecode(out, dq, kc, vc, table, lens, scale);
      assertAttentionClose("decode", expected.toFloatArray(), cuda.toHost(out).toFloatArray());
    }
  }

  @Test
  void aCapturedDecodeReadsTheLengthsOfTheStepItReplays() {
    int h = 32, hkv = 8, d = 128, blockSize = 16;
    Paged p = paged(hkv, d, blockSize, 3000, 40);
    Tensor q = gaussian(DType.BF16, 2, h, d);
    float scale = (float) (1 / Math.sqrt(d));
    try (Tensor dq = cuda.upload(q);
        Tensor kc = cuda.upload(p.kCache());
        Tensor vc = cuda.upload(p.vCache());
        Tensor table = cuda.upload(p.blockTable());
        Tensor lens = cuda.upload(p.lengths());
        Tensor out = poisoned(DType.BF16, 2, h, d)) {
      cuda.attentionDecode(
          out, dq, kc, vc, table, lens, scale); // eager first: kernels load, scratch is allocated
      cuda.synchronize();
      CapturedGraph graph =
          cuda.port().captureGraph(() -> cuda.attentionDecode(out, dq, kc, vc, table, lens, scale));
      for (int[] step : new int[][] {{1, 3000}, {2999, 17}, {64, 0}}) {
        Tensor stepLengths = Tensor.fromInts(step, 2);
        try (Tensor newLens = cuda.upload(stepLengths)) {
          cuda.copy(lens, newLens);
          cuda.fill(out, Float.NaN);
          graph.replay();
          Tensor expected = reference.empty(DType.BF16, 2, h, d);
          reference.attentionDecode(
              expected, q, p.kCache(), p.vCache(), p.blockTable(), stepLengths, scale);
          assertAttentionClose(
              "replay with lengths " + java.util.Arrays.toString(step),
              expected.toFloatArray(),
              cuda.toHost(out).toFloatArray());
        }
      }
      graph.close();
    }
  }

  @Test
  void kvAppendWritesExactlyWhatTheReferenceWrites() {
    int tokens = 37, hkv = 8, d = 128, numBlocks = 9, blockSize = 16;
    Tensor kCache = gaussian(DType.BF16, numBlocks, blockSize, hkv, d),
        vCache = gaussian(DType.BF16, numBlocks, blockSize, hkv, d);
    Tensor k = gaussian(DType.BF16, tokens, hkv, d), v = gaussian(DType.BF16, tokens, hkv, d);
    List<Integer> slots = new ArrayList<>();
    for (int s = 0; s < numBlocks * blockSize; s++) {
      slots.add(s);
    }
    Collections.shuffle(slots, random);
    int[] mapping = slots.subList(0, tokens).stream().mapToInt(Integer::intValue).toArray();
    mapping[3] = -1;
    mapping[5] = numBlocks * blockSize; // past the cache: skipped
    Tensor slotTensor = Tensor.fromInts(mapping, tokens);
    try (Tensor kc = cuda.upload(kCache);
        Tensor vc = cuda.upload(vCache);
        Tensor dk = cuda.upload(k);
        Tensor dv = cuda.upload(v);
        Tensor ds = cuda.upload(slotTensor)) {
      cuda.kvAppend(kc, vc, dk, dv, ds);
      reference.kvAppend(kCache, vCache, k, v, slotTensor);
      assertArrayEquals(kCache.toFloatArray(), cuda.toHost(kc).toFloatArray());
      assertArrayEquals(vCache.toFloatArray(), cuda.toHost(vc).toFloatArray());
    }
  }

  static final SamplingParams[] SETTINGS = {
    SamplingParams.greedy(), SamplingParams.of(1f, 0, 1f, 0f), SamplingParams.of(0.7f, 50, 1f, 0f),
    SamplingParams.of(1f, 0, 0.9f, 0f), SamplingParams.of(1.3f, 1000, 0.95f, 0.01f),
        SamplingParams.of(1f, 0, 1f, 0.05f),
    SamplingParams.of(0.8f, 40, 0.9f, 0f).withPenalties(1.3f, 0.5f, 0.2f),
        SamplingParams.greedy().withPenalties(2f, 0f, 0f)
  };

  @ParameterizedTest(name = "vocab {0}")
  @ValueSource(ints = {1, 17, 1000, 152064})
  void sampledTokensAndTopLogprobsMatchTheReferenceExactly(int vocab) {
    int batch = 8, historyLen = 24;
    float[] values = new float[batch * vocab];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextGaussian() * 3);
    }
    Tensor logits = Tensor.fromFloats(DType.F32, values, batch, vocab);
    int[] seen = new int[batch * historyLen];
    for (int i = 0; i < seen.length; i++) {
      seen[i] =
          random.nextInt(10) == 0
              ? -1
              : random.nextInt(Math.min(vocab, 64)); // repeats, and padding
    }
    Tensor history = Tensor.fromInts(seen, batch, historyLen);
    long seed = random.nextLong();
    try (Tensor dl = cuda.upload(logits);
        Tensor dh = cuda.upload(history);
        Tensor out = poisoned(DType.I32, batch)) {
      for (SamplingParams params : SETTINGS) {
        for (int step = 0; step < 6; step++) {
          Tensor expected = reference.empty(DType.I32, batch);
          reference.sample(expected, logits, history, params, seed, step * 977L + 1);
          cuda.fill(out, -7);
          cuda.sample(out, dl, dh, params, seed, step * 977L + 1);
          assertArrayEquals(
              expected.toIntArray(), cuda.toHost(out).toIntArray(), params + " step " + step);
        }
      }
      assertArrayEquals(
          values, cuda.toHost(dl).toFloatArray(), "the logits on the device stay as they were");
      int n = Math.min(vocab, 20);
      Tensor ids = reference.empty(DType.I32, batch, n),
          logprobs = reference.empty(DType.F32, batch, n);
      reference.topLogprobs(ids, logprobs, logits);
      try (Tensor dIds = poisoned(DType.I32, batch, n);
          Tensor dLp = poisoned(DType.F32, batch, n)) {
        cuda.topLogprobs(dIds, dLp, dl);
        assertArrayEquals(ids.toIntArray(), cuda.toHost(dIds).toIntArray());
        float[] got = cuda.toHost(dLp).toFloatArray(), want = logprobs.toFloatArray();
        for (int i = 0; i < got.length; i++) {
          assertEquals(want[i], got[i], 1e-3 + 1e-5 * Math.abs(want[i]), "logprob " + i);
        }
      }
    }
  }
}
