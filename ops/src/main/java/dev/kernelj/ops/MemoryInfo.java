package dev.kernelj.ops;

/**
 * The memory an engine plans with, measured when asked: the device's free and total bytes on CUDA,
 * the Java heap that is still free on the reference backend (which counts as both).
 *
 * @param free bytes not in use now
 * @param total bytes of the whole pool
 * @param javaHeap whether the pool is the Java heap ({@code -Xmx} raises it) rather than a device
 */
public record MemoryInfo(long free, long total, boolean javaHeap) {
  public MemoryInfo {
    if (free < 0 || total < free) {
      throw new IllegalArgumentException(
          "memory info: free " + free + " and total " + total + " bytes (0 <= free <= total)");
    }
  }

  /** What the pool is, for messages: {@code "card"} or {@code "free Java heap"}. */
  public String pool() {
    return javaHeap ? "free Java heap" : "card";
  }
}
