package dev.kernelj.llm.serving.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The open-addressing map against java.util.HashMap under random puts and removals. */
class LongIntMapTest {
  @Property(tries = 200)
  void behavesLikeAHashMap(@ForAll @IntRange(min = 1, max = 64) int capacity, @ForAll long seed) {
    Random random = new Random(seed);
    LongIntMap map = new LongIntMap(capacity);
    Map<Long, Integer> expected = new HashMap<>();
    // Few distinct keys, some sharing low bits, so probe runs collide and wrap.
    long[] keys = new long[capacity + 8];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = random.nextBoolean() ? random.nextLong() : ((long) random.nextInt(4) << 40) | i;
    }
    for (int op = 0; op < 2000; op++) {
      long k = keys[random.nextInt(keys.length)];
      int v = random.nextInt(1000);
      if (random.nextInt(3) == 0) {
        Integer had = expected.get(k);
        boolean removed = map.remove(k, had == null ? v : had);
        assertEquals(had != null, removed);
        expected.remove(k);
      } else if (expected.size() < capacity || expected.containsKey(k)) {
        assertEquals(!expected.containsKey(k), map.putIfAbsent(k, v));
        expected.putIfAbsent(k, v);
      }
      assertEquals(expected.size(), map.size());
      assertEquals(expected.getOrDefault(k, -1), map.get(k), "key " + k);
      if (op % 50 == 0) { // every key now and then: a removal must not lose a shifted neighbour
        for (long key : keys) {
          assertEquals(expected.getOrDefault(key, -1), map.get(key), "key " + key);
        }
      }
    }
  }
}
