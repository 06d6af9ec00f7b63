package dev.kernelj.runtime.cuda;

/**
 * Where {@link DeviceBuffer}s get their memory. Both implementations cache freed memory for reuse,
 * so that an LLM decode loop allocating and freeing per step does not call into the driver: {@link
 * StreamOrderedAllocator} (the driver's own pool, {@code cuMemAllocAsync}) where the device
 * supports memory pools, else {@link CachingAllocator} over {@code cuMemAlloc}.
 */
public interface DeviceAllocator extends AutoCloseable {
  /** A device address of at least {@code bytes} bytes, usable in stream order on {@code stream}. */
  long allocate(long bytes, long stream);

  /**
   * Returns memory from {@link #allocate}; it may be reused by work queued after this on {@code
   * stream}.
   */
  void free(long address, long bytes, long stream);

  /** Bytes handed out and not yet freed. */
  long bytesInUse();

  /** A short description for logs, e.g. {@code "stream-ordered pool"}. */
  String describe();

  /** Gives cached memory back to the driver. */
  @Override
  void close();
}
