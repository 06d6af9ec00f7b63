package dev.kernelj.ops.reference;

import static dev.kernelj.ops.TestTensors.assertClose;
import static dev.kernelj.ops.TestTensors.random;
import static dev.kernelj.ops.TestTensors.rtol;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reference backend's attention ops, through the {@link Ops} API, against the float64
 * definition.
 */
class AttentionOpsTest {
  final Ops ops = new ReferenceOps();
  final SplittableRandom random = new SplittableRandom(11);

  @ParameterizedTest(name = "{0} B{1} Sq{2} Skv{3} H{4} Hkv{5} D{6} causal {7}")
  @CsvSource({
    "F32, 1, 5, 5, 4, 2, 16, true", "F32, 2, 4, 11, 8, 1, 16, false",
        "BF16, 2, 7, 9, 6, 3, 64, true",
    "F16, 1, 3, 3, 2, 2, 8, false", "BF16, 1, 1, 17, 4, 4, 128, true",
        "F32, 1, 6, 6, 3, 1, 80, true"
  })
  void prefillMatchesTheDefinition(
      DType t, int batch, int seqQ, int seqKv, int heads, int kvHeads, int d, boolean causal) {
    // q is a view at an offset into a larger tensor: the op must read it through its offset.
    Tensor q = random(random, t, 1, batch + 1, seqQ, heads, d).slice(0, 1, batch + 1);
    Tensor k = random(random, t, 1, batch, seqKv, kvHeads, d);
    Tensor v = random(random, t, 1, batch, seqKv, kvHeads, d);
    Tensor out = ops.empty(t, batch, seqQ, heads, d);
    ops.fill(out, Float.NaN);
    float[] qBefore = q.toFloatArray();
    double scale = 1 / Math.sqrt(d);

    ops.attentionPrefill(out, q, k, v, (float) scale, causal);

    double[] expected =
        AttentionDefinition.prefill(
            qBefore,
            k.toFloatArray(),
            v.toFloatArray(),
            batch,
            seqQ,
            seqKv,
            heads,
            kvHeads,
            d,
            (float) scale,
            causal);
    assertClose("prefill", expected, out.toFloatArray(), rtol(t), t == DType.F32 ? 1e-6 : 4e-3);
    assertArrayEquals(qBefore, q.toFloatArray(), "q must not change");
  }

  @Test
  void causalPrefillOfOneTokenSeesOnlyItselfWhenSeqKvEqualsSeqQ() {
    Tensor q = random(random, DType.F32, 1, 1, 3, 1, 16);
    Tensor k = random(random, DType.F32, 1, 1, 3, 1, 16);
    Tensor v = random(random, DType.F32, 1, 1, 3, 1, 16);
    Tensor out = ops.empty(DType.F32, 1, 3, 1, 16);
    ops.attentionPrefill(out, q, k, v, 0.25f, true);
    // query 0 sees key 0 alone: its output is v[0] exactly
    for (int e = 0; e < 16; e++) {
      assertEquals(v.getFloat(0, 0, 0, e), out.getFloat(0, 0, 0, e), 1e-6);
    }
  }

  @ParameterizedTest(name = "{0} H{1} Hkv{2} D{3} block {4}")
  @CsvSource({"F32, 4, 2, 16, 4", "BF16, 8, 2, 64, 16", "F16, 6, 6, 32, 3", "BF16, 4, 1, 128, 8"})
  void appendThenDecodeMatchesTheDefinitionOverEachWholeSequence(
      DType t, int heads, int kvHeads, int d, int blockSize) {
    int[] lengths = {13, 1, 0, 2 * blockSize};
    int batch = lengths.length;
    int maxBlocks = 0, needed = 0;
    for (int len : lengths) {
      maxBlocks = Math.max(maxBlocks, (len + blockSize - 1) / blockSize);
      needed += (len + blockSize - 1) / blockSize;
    }
    int numBlocks = needed + 3;
    List<Integer> free = new ArrayList<>();
    for (int i = 0; i < numBlocks; i++) {
      free.add(i);
    }
    Collections.shuffle(free, new Random(5));
    Tensor kCache = random(random, t, 1, numBlocks, blockSize, kvHeads, d);
    Tensor vCache = random(random, t, 1, numBlocks, blockSize, kvHeads, d);
    int[] table = new int[batch * maxBlocks];
    java.util.Arrays.fill(table, -1);
    Tensor[] keys = new Tensor[batch], values = new Tensor[batch];
    int next = 0;
    for (int b = 0; b < batch; b++) {
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
      keys[b] = random(random, t, 1, lengths[b], kvHeads, d);
      values[b] = random(random, t, 1, lengths[b], kvHeads, d);
      ops.kvAppend(kCache, vCache, keys[b], values[b], Tensor.fromInts(slots, lengths[b]));
    }
    Tensor q = random(random, t, 1, batch, heads, d);
    Tensor out = ops.empty(t, batch, heads, d);
    ops.fill(out, Float.NaN);
    double scale = 1 / Math.sqrt(d);

    ops.attentionDecode(
        out,
        q,
        kCache,
        vCache,
        Tensor.fromInts(table, batch, maxBlocks),
        Tensor.fromInts(lengths, batch),
        (float) scale);

    double[] expected = new double[batch * heads * d];
    float[] qv = q.toFloatArray();
    for (int b = 0; b < batch; b++) {
      if (lengths[b] == 0) {
        continue; // a sequence without context gets zeros
      }
      double[] one =
          AttentionDefinition.prefill(
              java.util.Arrays.copyOfRange(qv, b * heads * d, (b + 1) * heads * d),
              keys[b].toFloatArray(),
              values[b].toFloatArray(),
              1,
              1,
              lengths[b],
              heads,
              kvHeads,
              d,
              (float) scale,
              false);
      System.arraycopy(one, 0, expected, b * heads * d, heads * d);
    }
    assertClose("decode", expected, out.toFloatArray(), rtol(t), t == DType.F32 ? 1e-6 : 4e-3);
  }

  @Test
  void appendWritesExactlyItsSlotsAndSkipsPaddingAndSlotsPastTheCache() {
    int blocks = 3, blockSize = 2, kvHeads = 2, d = 4;
    Tensor kCache = random(random, DType.BF16, 1, blocks, blockSize, kvHeads, d);
    Tensor vCache = random(random, DType.BF16, 1, blocks, blockSize, kvHeads, d);
    float[] kBefore = kCache.toFloatArray(), vBefore = vCache.toFloatArray();
    Tensor k = random(random, DType.BF16, 1, 4, kvHeads, d);
    Tensor v = random(random, DType.BF16, 1, 4, kvHeads, d);

    ops.kvAppend(kCache, vCache, k, v, Tensor.fromInts(new int[] {5, -1, 6, 0}, 4));

    float[] kExpected = kBefore.clone(), vExpected = vBefore.clone();
    int row = kvHeads * d;
    System.arraycopy(k.toFloatArray(), 0, kExpected, 5 * row, row);
    System.arraycopy(v.toFloatArray(), 0, vExpected, 5 * row, row);
    System.arraycopy(k.toFloatArray(), 3 * row, kExpected, 0, row);
    System.arraycopy(v.toFloatArray(), 3 * row, vExpected, 0, row);
    assertArrayEquals(kExpected, kCache.toFloatArray());
    assertArrayEquals(vExpected, vCache.toFloatArray());
  }

  @Test
  void appendIntoACacheViewWritesThroughTheView() {
    Tensor both =
        random(random, DType.F32, 1, 2, 4, 2, 1, 8); // [k|v, blocks, blockSize, kvHeads, d]
    Tensor kCache = both.select(0, 0), vCache = both.select(0, 1);
    Tensor k = random(random, DType.F32, 1, 1, 1, 8), v = random(random, DType.F32, 1, 1, 1, 8);
    ops.kvAppend(kCache, vCache, k, v, Tensor.fromInts(new int[] {3}, 1));
    for (int e = 0; e < 8; e++) {
      assertEquals(k.getFloat(0, 0, e), both.getFloat(0, 1, 1, 0, e));
      assertEquals(v.getFloat(0, 0, e), both.getFloat(1, 1, 1, 0, e));
    }
  }
}
