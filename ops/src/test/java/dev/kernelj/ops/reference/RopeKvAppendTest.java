package dev.kernelj.ops.reference;

import static dev.kernelj.ops.TestTensors.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Ops#ropeKvAppend} on the reference backend gives exactly what rope on q, rope on k and
 * kvAppend give, and bad arguments fail before anything is written.
 */
class RopeKvAppendTest {
  final ReferenceOps ops = new ReferenceOps();
  final SplittableRandom random = new SplittableRandom(42);

  @ParameterizedTest
  @EnumSource(RopeConfig.Layout.class)
  void ropeKvAppendEqualsRopeThenAppend(RopeConfig.Layout layout) {
    RopeConfig rope = new RopeConfig(64, 48, 10000, layout, new RopeConfig.NoScaling());
    int tokens = 3, heads = 4, kvHeads = 2, d = 64, blocks = 2, blockSize = 4;
    for (DType t : new DType[] {DType.BF16, DType.F32}) {
      Tensor wide = random(random, t, 2, tokens, heads + 2 * kvHeads + 1, d);
      Tensor qkv = wide.slice(1, 0, heads + 2 * kvHeads);
      Tensor positions = Tensor.fromInts(new int[] {0, 7, 1234}, tokens);
      Tensor slots = Tensor.fromInts(new int[] {5, -1, 0}, tokens);
      Tensor kFused = random(random, t, 1, blocks, blockSize, kvHeads, d);
      Tensor vFused = random(random, t, 1, blocks, blockSize, kvHeads, d);
      Tensor kSplit = kFused.contiguousCopy();
      Tensor vSplit = vFused.contiguousCopy();
      Tensor before = qkv.contiguousCopy();

      Tensor qFused = ops.empty(t, tokens, heads, d);
      ops.ropeKvAppend(qFused, kFused, vFused, qkv, positions, slots, rope);

      Tensor q = qkv.slice(1, 0, heads).contiguousCopy();
      Tensor k = qkv.slice(1, heads, heads + kvHeads).contiguousCopy();
      Tensor v = qkv.slice(1, heads + kvHeads, heads + 2 * kvHeads).contiguousCopy();
      ops.rope(q, positions, rope);
      ops.rope(k, positions, rope);
      ops.kvAppend(kSplit, vSplit, k, v, slots);

      assertArrayEquals(q.toFloatArray(), qFused.toFloatArray(), "q " + layout + " " + t);
      assertArrayEquals(
          kSplit.toFloatArray(), kFused.toFloatArray(), "k cache " + layout + " " + t);
      assertArrayEquals(
          vSplit.toFloatArray(), vFused.toFloatArray(), "v cache " + layout + " " + t);
      assertArrayEquals(before.toFloatArray(), qkv.toFloatArray(), "qkv is left unchanged");
    }
  }

  @Test
  void ropeKvAppendRejectsMismatchedHeads() {
    RopeConfig rope =
        new RopeConfig(64, 64, 10000, RopeConfig.Layout.ROTATE_HALF, new RopeConfig.NoScaling());
    Tensor qkv = Tensor.zeros(DType.BF16, 2, 7, 64); // 4 q heads leave 3: not 2 * kvHeads
    Tensor q = Tensor.zeros(DType.BF16, 2, 4, 64);
    Tensor cache = Tensor.zeros(DType.BF16, 1, 4, 1, 64);
    Tensor ids = Tensor.fromInts(new int[] {0, 1}, 2);
    OpArgumentException e =
        assertThrows(
            OpArgumentException.class,
            () -> ops.ropeKvAppend(q, cache, cache.contiguousCopy(), qkv, ids, ids, rope));
    assertTrue(
        e.getMessage().contains("ropeKvAppend") && e.getMessage().contains("qkv"), e.getMessage());
  }
}
