package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CachingAllocatorTest {
  /** Hands out fake addresses up to a capacity; records frees and synchronisations. */
  static final class FakeDevice implements CachingAllocator.Backend {
    long capacity;
    long used;
    long next = 0x1000;
    final Set<Long> live = new HashSet<>();
    final List<Long> sizes = new ArrayList<>();
    final java.util.Map<Long, Long> sizeOf = new java.util.HashMap<>();
    int allocations;
    int syncs;

    FakeDevice(long capacity) {
      this.capacity = capacity;
    }

    @Override
    public long allocate(long bytes) {
      if (used + bytes > capacity) {
        return 0;
      }
      allocations++;
      used += bytes;
      long a = next;
      next += bytes;
      live.add(a);
      sizeOf.put(a, bytes);
      sizes.add(bytes);
      return a;
    }

    @Override
    public void free(long address) {
      assertTrue(live.remove(address), "double or foreign free");
      used -= sizeOf.remove(address);
    }

    @Override
    public void synchronize() {
      syncs++;
    }
  }

  @Test
  void sizesRoundToTheirBucket() {
    assertEquals(512, CachingAllocator.bucketSize(1));
    assertEquals(512, CachingAllocator.bucketSize(512));
    assertEquals(1024, CachingAllocator.bucketSize(513));
    assertEquals(2L << 20, CachingAllocator.bucketSize(1L << 20));
    assertEquals(4L << 20, CachingAllocator.bucketSize((2L << 20) + 1));
  }

  @Test
  void aFreedBlockIsReusedOnItsStreamWithoutCallingTheDevice() {
    FakeDevice dev = new FakeDevice(1L << 30);
    CachingAllocator a = new CachingAllocator(dev);
    long p = a.allocate(1000, 7);
    a.free(p, 1000, 7);
    assertEquals(1024, a.bytesCached());
    assertEquals(p, a.allocate(700, 7), "same bucket, same stream: reused");
    assertEquals(1, dev.allocations);
    assertEquals(1024, a.bytesInUse());
  }

  @Test
  void aBlockFreedOnAnotherStreamIsNotReusedWithoutSynchronising() {
    FakeDevice dev = new FakeDevice(1L << 30);
    CachingAllocator a = new CachingAllocator(dev);
    long p = a.allocate(1000, 7);
    a.free(p, 1000, 7);
    assertNotEquals(p, a.allocate(1000, 9));
    assertEquals(2, dev.allocations);
  }

  @Test
  void outOfMemoryEmptiesTheCacheAfterSynchronisingAndRetries() {
    FakeDevice dev = new FakeDevice(4096);
    CachingAllocator a = new CachingAllocator(dev);
    long p = a.allocate(3000, 1);
    a.free(p, 3000, 1);
    long q = a.allocate(4000, 2);
    assertEquals(1, dev.syncs);
    assertEquals(0, a.bytesCached());
    assertEquals(Set.of(q), dev.live);
    OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> a.allocate(4096, 2));
    assertTrue(e.getMessage().contains("4096 bytes"), e.getMessage());
  }

  @Test
  void closeGivesEverythingBack() {
    FakeDevice dev = new FakeDevice(1L << 30);
    CachingAllocator a = new CachingAllocator(dev);
    for (int i = 0; i < 5; i++) {
      a.free(a.allocate(100 << i, 3), 100 << i, 3);
    }
    a.close();
    assertTrue(dev.live.isEmpty());
  }
}
