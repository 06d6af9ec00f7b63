package dev.kernelj.llm.serving.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reference counts, the free list's reuse order, LRU eviction and hit verification. */
class BlockPoolTest {
  private static final BlockHasher HASHER = new BlockHasher(2, 7);

  @Test
  void plainBlocksAreReusedBeforeCachedOnesAndTheOldestCachedIsEvictedFirst() {
    BlockPool pool = new BlockPool(4, 2);
    int[] tokens = {1, 2, 3, 4, 5, 6};
    int a = pool.allocate();
    int b = pool.allocate();
    int c = pool.allocate();
    long ka = HASHER.hash(HASHER.root(), tokens, 0);
    long kb = HASHER.hash(ka, tokens, 2);
    assertTrue(pool.register(a, ka, HASHER.root(), tokens, 0));
    assertTrue(pool.register(b, kb, ka, tokens, 2));
    pool.release(b); // released first: evicted first
    pool.release(a);
    pool.release(c); // plain: reused first
    assertEquals(4, pool.freeCount());
    assertEquals(2, pool.cachedFreeCount());
    assertEquals(c, pool.allocate());
    int d = pool.allocate(); // the block never used
    assertEquals(0, pool.evictions());
    assertEquals(b, pool.allocate()); // now cached blocks go, least recently released first
    assertEquals(1, pool.evictions());
    assertEquals(-1, pool.lookup(kb, ka, tokens, 2));
    assertEquals(a, pool.lookup(ka, HASHER.root(), tokens, 0));
    pool.acquire(a); // a hit takes it out of the free list
    assertEquals(0, pool.freeCount());
    assertThrows(IllegalStateException.class, pool::allocate);
    pool.checkInvariants(new int[] {1, 1, 1, 1});
    assertTrue(d >= 0);
  }

  @Test
  void aHitNeedsTheSameTokensAndParentNotJustTheKey() {
    BlockPool pool = new BlockPool(2, 2);
    int[] tokens = {9, 8};
    int a = pool.allocate();
    long k = HASHER.hash(HASHER.root(), tokens, 0);
    pool.register(a, k, HASHER.root(), tokens, 0);
    assertEquals(a, pool.lookup(k, HASHER.root(), tokens, 0));
    assertEquals(-1, pool.lookup(k, HASHER.root(), new int[] {9, 7}, 0));
    assertEquals(-1, pool.lookup(k, HASHER.root() + 1, tokens, 0));
    int b = pool.allocate();
    assertFalse(pool.register(b, k, HASHER.root(), tokens, 0), "a key is cached once");
    assertFalse(pool.isCached(b));
  }

  @Test
  void releasingMoreOftenThanHeldIsAnError() {
    BlockPool pool = new BlockPool(1, 1);
    int a = pool.allocate();
    pool.release(a);
    assertThrows(IllegalStateException.class, () -> pool.release(a));
    assertThrows(IllegalStateException.class, () -> pool.checkInvariants(new int[] {1}));
  }

  @Test
  void keysDependOnTheParentAndEveryToken() {
    int[] t = {1, 2, 1, 2};
    long first = HASHER.hash(HASHER.root(), t, 0);
    assertTrue(first != HASHER.hash(first, t, 2), "same block, other parent");
    assertTrue(first != HASHER.hash(HASHER.root(), new int[] {2, 1}, 0), "order matters");
    assertTrue(first != new BlockHasher(2, 8).hash(8, t, 0), "another root");
  }
}
