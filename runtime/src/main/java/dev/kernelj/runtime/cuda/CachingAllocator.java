package dev.kernelj.runtime.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A size-bucketed caching allocator over plain device allocations, for devices and drivers without
 * memory pools. Sizes are rounded up (to 512 bytes below 1 MiB, to 2 MiB above) so that freed
 * blocks fit later requests; a freed block is reused only by work on the stream that freed it,
 * which stream order makes safe without synchronising. When the device runs out of memory, the
 * cache is synchronised, emptied and the allocation retried once.
 */
public final class CachingAllocator implements DeviceAllocator {
  /** The raw allocation calls, so that the caching logic can be tested without a GPU. */
  public interface Backend {
    /** A fresh allocation, or 0 when the device is out of memory; other failures throw. */
    long allocate(long bytes);

    void free(long address);

    /** Waits for all queued work (before cached memory is given back or reused across streams). */
    void synchronize();
  }

  private record Block(long address, long stream) {}

  static final long SMALL_ROUNDING = 512;
  static final long LARGE_ROUNDING = 2L << 20;
  static final long LARGE_THRESHOLD = 1L << 20;

  private final Backend backend;
  private final Map<Long, ArrayDeque<Block>> freeBySize = new HashMap<>();
  private long inUse;
  private long cached;

  public CachingAllocator(Backend backend) {
    this.backend = backend;
  }

  /** The bucket size a request of {@code bytes} is served from. */
  public static long bucketSize(long bytes) {
    long unit = bytes < LARGE_THRESHOLD ? SMALL_ROUNDING : LARGE_ROUNDING;
    long b = Math.max(1, bytes);
    return (b + unit - 1) / unit * unit;
  }

  @Override
  public synchronized long allocate(long bytes, long stream) {
    long size = bucketSize(bytes);
    ArrayDeque<Block> blocks = freeBySize.get(size);
    if (blocks != null) {
      for (Iterator<Block> it = blocks.iterator(); it.hasNext(); ) {
        Block b = it.next();
        if (b.stream == stream) {
          it.remove();
          cached -= size;
          inUse += size;
          return b.address;
        }
      }
    }
    long address = backend.allocate(size);
    if (address == 0) {
      releaseCached();
      address = backend.allocate(size);
      if (address == 0) {
        throw new OutOfMemoryError(
            "device out of memory allocating "
                + size
                + " bytes ("
                + inUse
                + " bytes in use through this allocator, cache emptied)");
      }
    }
    inUse += size;
    return address;
  }

  @Override
  public synchronized void free(long address, long bytes, long stream) {
    long size = bucketSize(bytes);
    freeBySize.computeIfAbsent(size, s -> new ArrayDeque<>()).push(new Block(address, stream));
    inUse -= size;
    cached += size;
  }

  /** Waits for queued work, then frees every cached block. */
  public synchronized void releaseCached() {
    if (cached == 0) {
      return;
    }
    backend.synchronize();
    for (ArrayDeque<Block> blocks : freeBySize.values()) {
      for (Block b : blocks) {
        backend.free(b.address);
      }
    }
    freeBySize.clear();
    cached = 0;
  }

  @Override
  public synchronized long bytesInUse() {
    return inUse;
  }

  /** Bytes held in the cache, free for reuse. */
  public synchronized long bytesCached() {
    return cached;
  }

  @Override
  public String describe() {
    return "caching allocator (cuMemAlloc, size buckets)";
  }

  @Override
  public void close() {
    releaseCached();
  }
}
