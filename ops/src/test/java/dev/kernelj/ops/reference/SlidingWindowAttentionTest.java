package dev.kernelj.ops.reference;

import static dev.kernelj.ops.TestTensors.assertClose;
import static dev.kernelj.ops.TestTensors.random;
import static dev.kernelj.ops.TestTensors.rtol;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TestTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sliding-window attention (Mistral, Qwen2) on the reference backend through the {@link Ops} API,
 * against the float64 definition: query at position p sees keys p - window < j <= p.
 */
class SlidingWindowAttentionTest {
  final Ops ops = new ReferenceOps();
  final SplittableRandom random = new SplittableRandom(23);

  @ParameterizedTest(name = "{0} B{1} Sq{2} Skv{3} H{4} Hkv{5} D{6} window {7}")
  @CsvSource({
    "F32, 1, 40, 40, 4, 2, 16, 7", "F32, 2, 17, 50, 4, 1, 32, 20",
        "BF16, 1, 130, 130, 8, 2, 64, 65",
    "F32, 1, 9, 9, 2, 2, 80, 1", "F16, 2, 33, 33, 6, 3, 128, 20", "F32, 1, 5, 300, 4, 4, 16, 100"
  })
  void prefillWithAWindowSmallerThanTheSequenceMatchesTheDefinition(
      DType t, int batch, int seqQ, int seqKv, int heads, int kvHeads, int d, int window) {
    Tensor q = random(random, t, 1, batch, seqQ, heads, d);
    Tensor k = random(random, t, 1, batch, seqKv, kvHeads, d);
    Tensor v = random(random, t, 1, batch, seqKv, kvHeads, d);
    Tensor out = ops.empty(t, batch, seqQ, heads, d);
    ops.fill(out, Float.NaN);
    float scale = (float) (1 / Math.sqrt(d));

    ops.attentionPrefill(out, q, k, v, scale, true, window);

    double[] expected =
        AttentionDefinition.prefill(
            q.toFloatArray(),
            k.toFloatArray(),
            v.toFloatArray(),
            batch,
            seqQ,
            seqKv,
            heads,
            kvHeads,
            d,
            scale,
            true,
            window);
    assertClose(
        "windowed prefill", expected, out.toFloatArray(), rtol(t), t == DType.F32 ? 1e-6 : 4e-3);
    double[] full =
        AttentionDefinition.prefill(
            q.toFloatArray(),
            k.toFloatArray(),
            v.toFloatArray(),
            batch,
            seqQ,
            seqKv,
            heads,
            kvHeads,
            d,
            scale,
            true);
    assertTrue(
        maxDifference(full, out.toFloatArray()) > 1e-2,
        "the window must change the result of this case");
  }

  @ParameterizedTest(name = "window {0}")
  @CsvSource({"37", "38", "1000"})
  void aWindowOfAtLeastTheSequenceIsFullAttention(int window) {
    Tensor q = random(random, DType.F32, 1, 1, 37, 4, 16);
    Tensor k = random(random, DType.F32, 1, 1, 37, 2, 16);
    Tensor v = random(random, DType.F32, 1, 1, 37, 2, 16);
    Tensor windowed = ops.empty(DType.F32, 1, 37, 4, 16);
    Tensor full = ops.empty(DType.F32, 1, 37, 4, 16);
    ops.attentionPrefill(windowed, q, k, v, 0.25f, true, window);
    ops.attentionPrefill(full, q, k, v, 0.25f, true);
    assertArrayEquals(full.toFloatArray(), windowed.toFloatArray());
  }

  @Test
  void aWindowOfOneKeyGivesEachQueryItsOwnValue() {
    Tensor q = random(random, DType.F32, 1, 1, 6, 2, 16);
    Tensor k = random(random, DType.F32, 1, 1, 6, 1, 16);
    Tensor v = random(random, DType.F32, 1, 1, 6, 1, 16);
    Tensor out = ops.empty(DType.F32, 1, 6, 2, 16);
    ops.attentionPrefill(out, q, k, v, 0.25f, true, 1);
    for (int i = 0; i < 6; i++) {
      for (int e = 0; e < 16; e++) {
        assertEquals(v.getFloat(0, i, 0, e), out.getFloat(0, i, 1, e), 1e-6, "query " + i);
      }
    }
  }

  @ParameterizedTest(name = "{0} H{1} Hkv{2} D{3} block {4} window {5}")
  @CsvSource({
    "F32, 8, 2, 16, 16, 1000",
    "BF16, 4, 1, 64, 7, 333",
    "F32, 6, 3, 32, 5, 1",
    "F32, 4, 4, 16, 16, 5000"
  })
  void decodeOverALongPagedContextSeesTheLastWindowTokens(
      DType t, int heads, int kvHeads, int d, int blockSize, int window) {
    int[] lengths = {5000, 1, 0, window + 1, 2 * blockSize};
    Paged p = paged(t, kvHeads, d, blockSize, lengths);
    Tensor q = random(random, t, 1, lengths.length, heads, d);
    Tensor out = ops.empty(t, lengths.length, heads, d);
    ops.fill(out, Float.NaN);
    float scale = (float) (1 / Math.sqrt(d));

    ops.attentionDecode(
        out,
        q,
        p.kCache,
        p.vCache,
        p.table,
        Tensor.fromInts(lengths, lengths.length),
        scale,
        window);

    double[] expected = new double[lengths.length * heads * d];
    float[] qv = q.toFloatArray();
    for (int b = 0; b < lengths.length; b++) {
      if (lengths[b] == 0) {
        continue; // zeros
      }
      // The decode query sits at position length - 1: one query of a windowed causal prefill.
      double[] one =
          AttentionDefinition.prefill(
              Arrays.copyOfRange(qv, b * heads * d, (b + 1) * heads * d),
              p.keys[b],
              p.values[b],
              1,
              1,
              lengths[b],
              heads,
              kvHeads,
              d,
              scale,
              true,
              window);
      System.arraycopy(one, 0, expected, b * heads * d, heads * d);
    }
    assertClose(
        "windowed decode", expected, out.toFloatArray(), rtol(t), t == DType.F32 ? 1e-6 : 4e-3);
  }

  @Test
  void decodeGivesTheLastRowOfTheWindowedPrefillOfTheSameSequence() {
    int len = 700, heads = 4, kvHeads = 2, d = 16, window = 129, blockSize = 16;
    Paged p = paged(DType.F32, kvHeads, d, blockSize, len);
    Tensor q = random(random, DType.F32, 1, 1, len, heads, d);
    Tensor k = Tensor.fromFloats(DType.F32, p.keys[0], 1, len, kvHeads, d);
    Tensor v = Tensor.fromFloats(DType.F32, p.values[0], 1, len, kvHeads, d);
    Tensor prefill = ops.empty(DType.F32, 1, len, heads, d);
    ops.attentionPrefill(prefill, q, k, v, 0.25f, true, window);

    Tensor lastQuery =
        Tensor.fromFloats(
            DType.F32,
            Arrays.copyOfRange(q.toFloatArray(), (len - 1) * heads * d, len * heads * d),
            1,
            heads,
            d);
    Tensor decode = ops.empty(DType.F32, 1, heads, d);
    ops.attentionDecode(
        decode,
        lastQuery,
        p.kCache,
        p.vCache,
        p.table,
        Tensor.fromInts(new int[] {len}, 1),
        0.25f,
        window);

    float[] lastRow =
        Arrays.copyOfRange(prefill.toFloatArray(), (len - 1) * heads * d, len * heads * d);
    assertClose(
        "decode vs prefill", TestTensors.toDouble(lastRow), decode.toFloatArray(), 1e-6, 1e-6);
  }

  @Test
  void negativeWindowsAndWindowsWithoutCausalMaskingAreRefusedNamingTheWindow() {
    Tensor q = random(random, DType.F32, 1, 1, 4, 2, 16);
    Tensor k = random(random, DType.F32, 1, 1, 4, 2, 16);
    Tensor out = ops.empty(DType.F32, 1, 4, 2, 16);
    var e =
        assertThrows(
            OpArgumentException.class, () -> ops.attentionPrefill(out, q, k, k, 0.25f, true, -1));
    assertEquals("window", e.argument());
    assertTrue(e.getMessage().contains("is -1"), e.getMessage());
    e =
        assertThrows(
            OpArgumentException.class, () -> ops.attentionPrefill(out, q, k, k, 0.25f, false, 8));
    assertEquals("window", e.argument());
    assertTrue(e.getMessage().contains("needs causal attention"), e.getMessage());

    Paged p = paged(DType.F32, 2, 16, 4, 3);
    Tensor dq = random(random, DType.F32, 1, 1, 2, 16);
    e =
        assertThrows(
            OpArgumentException.class,
            () ->
                ops.attentionDecode(
                    ops.empty(DType.F32, 1, 2, 16),
                    dq,
                    p.kCache,
                    p.vCache,
                    p.table,
                    Tensor.fromInts(new int[] {3}, 1),
                    0.25f,
                    -4));
    assertEquals("window", e.argument());
  }

  // ---------------------------------------------------------------- helpers

  /**
   * A paged cache filled through kvAppend with random sequences in shuffled blocks, plus each
   * sequence's K and V.
   */
  private record Paged(
      Tensor kCache, Tensor vCache, Tensor table, float[][] keys, float[][] values) {}

  private Paged paged(DType t, int kvHeads, int d, int blockSize, int... lengths) {
    int maxBlocks = 1, needed = 0;
    for (int len : lengths) {
      maxBlocks = Math.max(maxBlocks, (len + blockSize - 1) / blockSize);
      needed += (len + blockSize - 1) / blockSize;
    }
    int numBlocks = needed + 2;
    List<Integer> free = new ArrayList<>();
    for (int i = 0; i < numBlocks; i++) {
      free.add(i);
    }
    Collections.shuffle(free, new Random(7));
    Tensor kCache = random(random, t, 1, numBlocks, blockSize, kvHeads, d);
    Tensor vCache = random(random, t, 1, numBlocks, blockSize, kvHeads, d);
    int[] table = new int[lengths.length * maxBlocks];
    float[][] keys = new float[lengths.length][], values = new float[lengths.length][];
    int next = 0;
    for (int b = 0; b < lengths.length; b++) {
      int[] slots = new int[lengths[b]];
      for (int i = 0; i < lengths[b]; i++) {
        if (i % blockSize == 0) {
          table[b * maxBlocks + i / blockSize] = free.get(next++);
        }
        slots[i] = table[b * maxBlocks + i / blockSize] * blockSize + i % blockSize;
      }
      if (lengths[b] == 0) {
        continue;
      }
      Tensor k = random(random, t, 1, lengths[b], kvHeads, d),
          v = random(random, t, 1, lengths[b], kvHeads, d);
      ops.kvAppend(kCache, vCache, k, v, Tensor.fromInts(slots, lengths[b]));
      keys[b] = k.toFloatArray();
      values[b] = v.toFloatArray();
    }
    return new Paged(
        kCache, vCache, Tensor.fromInts(table, lengths.length, maxBlocks), keys, values);
  }

  private static double maxDifference(double[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
