package dev.kernelj.ops.cuda;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Host-to-device copies of raw bytes through two page-locked staging buffers used in turn: while
 * the DMA engine drains one, the host fills the other, so a long upload (a model's weights) runs at
 * the slower of host memcpy and PCIe instead of their sum, and a copy from pageable memory never
 * waits for the whole of itself. Large chunks are filled by several threads, because one core's
 * memcpy out of a mapped file (page faults included) is slower than the link.
 *
 * <p>Buffers and their events are made on first use and kept until {@link #close}: pinning 2 x 16
 * MiB costs milliseconds, which per tensor would add up to seconds over a model.
 *
 * <p>For measuring the alternative on a given machine, {@code -Dkernelj.hostCopy=pageable} hands
 * direct buffers (mapped files) to the driver as they are: {@code cuMemcpyHtoDAsync} from pageable
 * memory, which the driver stages through its own pinned buffers before it returns.
 */
final class PinnedUploads implements AutoCloseable {
  /**
   * Bytes per staged chunk: large enough that per-copy driver overhead vanishes, small enough to
   * pin quickly.
   */
  static final int CHUNK_BYTES = 16 << 20;

  /** Chunks at least this large are filled in parallel parts. */
  private static final int PARALLEL_FILL_BYTES = 4 << 20;

  private static final int FILL_THREADS =
      Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
  private static final boolean PAGEABLE = "pageable".equals(System.getProperty("kernelj.hostCopy"));

  private final DevicePort port;
  private final ByteBuffer[] staging = new ByteBuffer[2];

  /** Per buffer: an event recorded after the last copy out of it, or 0 before its first use. */
  private final long[] drained = new long[2];

  private final boolean[] pending = new boolean[2];
  private int next;

  /** Parts a large chunk is filled in, each on a thread of the common pool. */
  private final int fillThreads;

  PinnedUploads(DevicePort port) {
    this(port, FILL_THREADS);
  }

  /** With {@code fillThreads} parts a large chunk (tests: the 2-core CI machine fills in one). */
  PinnedUploads(DevicePort port, int fillThreads) {
    this.port = port;
    this.fillThreads = fillThreads;
  }

  /** Writes bytes of a source, from byte {@code from} on, into a staged chunk. */
  interface Source {
    /**
     * Fills {@code chunk} from its position 0 to its limit with the source's bytes {@code from ..
     * from + chunk.remaining() - 1}. Parts of one chunk may be written concurrently; {@code from}
     * and the part's length are multiples of 16 bytes except at the source's end.
     */
    void write(long from, ByteBuffer chunk);
  }

  /**
   * Queues a copy of {@code src}'s remaining bytes to device address {@code dst}; returns once
   * every byte has left {@code src} (the last chunk's DMA may still be queued).
   */
  synchronized void copy(long dst, ByteBuffer src) {
    if (PAGEABLE && src.isDirect()) {
      port.copyHostToDeviceAsync(dst, src.slice(), src.remaining());
      return;
    }
    int start = src.position();
    copy(
        dst,
        src.remaining(),
        (from, chunk) -> chunk.put(src.slice(start + (int) from, chunk.remaining())));
  }

  /**
   * Queues a copy of {@code bytes} bytes that {@code source} writes to device address {@code dst}:
   * for host data that must be encoded on the way (a host tensor's elements). Returns once the
   * source has written every byte.
   */
  synchronized void copy(long dst, long bytes, Source source) {
    for (long from = 0; from < bytes; from += CHUNK_BYTES) {
      int n = (int) Math.min(CHUNK_BYTES, bytes - from);
      int i = next;
      next ^= 1;
      ByteBuffer buffer = ready(i);
      fill(buffer, from, n, source, fillThreads);
      port.copyHostToDeviceAsync(dst + from, buffer, n);
      port.recordEvent(drained[i]);
      pending[i] = true;
    }
  }

  /**
   * Buffer {@code i}, allocated on first use, after the copy last queued out of it has finished.
   */
  private ByteBuffer ready(int i) {
    if (staging[i] == null) {
      ByteBuffer pinned = port.allocatePinned(CHUNK_BYTES);
      try {
        drained[i] = port.createEvent();
      } catch (RuntimeException e) {
        port.freePinned(pinned);
        throw e;
      }
      staging[i] = pinned; // both or neither: close() frees what staging[i] says exists
    } else if (pending[i]) {
      port.synchronizeEvent(drained[i]);
      pending[i] = false;
    }
    return staging[i];
  }

  /** Has {@code source} write bytes {@code from .. from + n - 1} into {@code buffer}'s first n. */
  private static void fill(ByteBuffer buffer, long from, int n, Source source, int threads) {
    if (n < PARALLEL_FILL_BYTES || threads == 1) {
      source.write(from, buffer.slice(0, n));
      return;
    }
    // Parts of whole 16-byte units, so that no element of any dtype straddles two parts.
    int part = ((n + threads - 1) / threads + 15) & ~15;
    // Each part keeps what it threw; every part is waited for before the first is rethrown, as
    // the source threw it: a part still writing after the throw would write into a buffer that is
    // reused or freed next.
    List<ForkJoinTask<?>> parts = new ArrayList<>();
    Throwable[] failures = new Throwable[threads];
    for (int t = 0; t < threads && t * part < n; t++) {
      int index = t;
      int at = t * part;
      int length = Math.min(part, n - at);
      parts.add(
          ForkJoinPool.commonPool()
              .submit(
                  () -> {
                    try {
                      source.write(from + at, buffer.slice(at, length));
                    } catch (RuntimeException | Error e) {
                      failures[index] = e;
                    }
                  }));
    }
    parts.forEach(ForkJoinTask::join);
    for (Throwable failure : failures) {
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
    }
  }

  /** Waits for queued copies out of the buffers, then frees them and their events. */
  @Override
  public synchronized void close() {
    for (int i = 0; i < 2; i++) {
      if (staging[i] != null) {
        if (pending[i]) {
          port.synchronizeEvent(drained[i]);
        }
        port.freePinned(staging[i]);
        port.destroyEvent(drained[i]);
        staging[i] = null;
      }
    }
  }
}
