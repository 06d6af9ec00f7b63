package dev.kernelj.ops.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.StreamRef;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KvCacheAppendTest {
  @Test
  void rowsLandInTheirSlotsAndSkippedSlotsLeaveTheCacheAlone() {
    var shape = new KvCacheAppend.Shape(4, 2, 3, 3, 5); // 15 slots of 6 elements
    Random rng = new Random(1);
    float[] kNew = NaiveAttention.random(rng, 24);
    float[] vNew = NaiveAttention.random(rng, 24);
    float[] kCache = NaiveAttention.random(rng, 90);
    float[] vCache = NaiveAttention.random(rng, 90);
    float[] kBefore = kCache.clone();
    float[] vBefore = vCache.clone();
    int[] slots = {7, -1, 14, 15}; // block 1 offset 2; padding; last slot; one past the end

    KvCacheAppend.reference(kNew, vNew, kCache, vCache, slots, shape);

    float[] kExpected = kBefore.clone();
    float[] vExpected = vBefore.clone();
    for (int e = 0; e < 6; e++) {
      // slot = block * blockSize + offset; element (slot, head, dim) at (slot * 2 + head) * 3 + dim
      kExpected[7 * 6 + e] = kNew[e];
      vExpected[7 * 6 + e] = vNew[e];
      kExpected[14 * 6 + e] = kNew[2 * 6 + e];
      vExpected[14 * 6 + e] = vNew[2 * 6 + e];
    }
    assertArrayEquals(kExpected, kCache);
    assertArrayEquals(vExpected, vCache);
  }

  @Test
  void launchUsesSixteenByteMovesWhenRowsAllowIt() {
    assertEquals(
        64,
        KvCacheAppend.launchFor(new KvCacheAppend.Shape(128, 8, 128, 10, 16), StreamRef.DEFAULT)
            .grid()
            .x());
    assertEquals(
        1,
        KvCacheAppend.launchFor(new KvCacheAppend.Shape(3, 3, 5, 10, 16), StreamRef.DEFAULT)
            .grid()
            .x());
  }

  @Test
  void badShapesNameTheArgument() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> new KvCacheAppend.Shape(0, 8, 128, 10, 16));
    assertTrue(e.getMessage().startsWith("KvCacheAppend: tokens must be >= 1"), e.getMessage());
  }
}
