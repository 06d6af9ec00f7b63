package dev.kernelj.ops.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.runtime.cuda.Cuda;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The runtime adapter on a real device: memory in stream order, copies through pinned buffers,
 * memsets, events, graphs.
 */
@Tag("gpu")
class RuntimeDevicePortGpuTest {
  static RuntimeDevicePort port;

  @BeforeAll
  static void open() {
    if (Cuda.unavailableReason() == null) {
      port = RuntimeDevicePort.open(0);
    }
  }

  /** Each test skips on its own, so the report lists every GPU test as skipped with the reason. */
  @BeforeEach
  void requireGpu() {
    Assumptions.assumeTrue(port != null, () -> "GPU test skipped: " + Cuda.unavailableReason());
  }

  @AfterAll
  static void close() {
    if (port != null) {
      port.close();
    }
  }

  /** {@code count} ints read back from the device. */
  static int[] readInts(long address, int count) {
    ByteBuffer pinned = port.allocatePinned(4L * count);
    try {
      port.copyDeviceToHostAsync(pinned, address, 4L * count);
      port.synchronize();
      int[] out = new int[count];
      pinned.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
      return out;
    } finally {
      port.freePinned(pinned);
    }
  }

  @Test
  void describesTheDevice() {
    assertTrue(port.deviceName().startsWith("NVIDIA"), port.deviceName());
    assertTrue(port.multiprocessorCount() > 0 && port.l2CacheBytes() > 0);
    long[] info = port.memoryInfo();
    assertTrue(info[0] > 0 && info[0] <= info[1], java.util.Arrays.toString(info));
  }

  @Test
  void memsetsOfEachWidthAndCopiesFromASliceOfAPinnedBuffer() {
    long a = port.allocate(1024);
    assertEquals(0, a % 256, "256-byte alignment");
    port.memsetD32Async(a, 0x01020304, 256);
    port.memsetD16Async(a, (short) 0xBEEF, 2); // first 4 bytes
    port.memsetD8Async(a + 4, (byte) 0x7F, 4); // next 4 bytes
    int[] got = readInts(a, 4);
    assertArrayEquals(new int[] {0xBEEFBEEF, 0x7F7F7F7F, 0x01020304, 0x01020304}, got);

    ByteBuffer pinned = port.allocatePinned(64).order(ByteOrder.LITTLE_ENDIAN);
    pinned.putInt(16, 11).putInt(20, 22);
    ByteBuffer part =
        pinned.duplicate().position(16).limit(24).slice(); // the LLM's step inputs arrive like this
    port.copyHostToDeviceAsync(a + 8, part, 8);
    assertArrayEquals(new int[] {0xBEEFBEEF, 0x7F7F7F7F, 11, 22}, readInts(a, 4));
    port.freePinned(pinned);
    port.free(a);
    assertThrows(IllegalArgumentException.class, () -> port.free(a), "a second free is refused");
  }

  @Test
  void freeingWhileWorkIsQueuedIsSafeInStreamOrder() {
    long size = 64L << 20;
    for (int round = 0; round < 8; round++) {
      long a = port.allocate(size);
      port.memsetD32Async(a, round, size / 4);
      long b = port.allocate(4096);
      port.copyDeviceToDeviceAsync(b, a + size - 4096, 4096);
      port.free(a); // the copy above is still queued
      long c = port.allocate(size);
      port.memsetD32Async(c, -1, size / 4);
      int[] tail = readInts(b, 1024);
      for (int x : tail) {
        assertEquals(round, x, "round " + round);
      }
      port.free(b);
      port.free(c);
    }
  }

  @Test
  void eventsTimeWorkOnTheStream() {
    long a = port.allocate(256L << 20);
    long start = port.createEvent(), end = port.createEvent();
    port.recordEvent(start);
    port.memsetD32Async(a, 7, (256L << 20) / 4);
    port.recordEvent(end);
    float ms = port.elapsedMillis(start, end);
    assertTrue(ms > 0 && ms < 1000, "memset of 256 MiB took " + ms + " ms");
    port.synchronizeEvent(end);
    port.destroyEvent(start);
    port.destroyEvent(end);
    port.free(a);
  }

  @Test
  void aCapturedGraphReplaysWithTheInputsOfTheMomentItRuns() {
    long src = port.allocate(4096), dst = port.allocate(4096);
    port.memsetD32Async(src, 1, 1024);
    port.synchronize();
    CapturedGraph graph = port.captureGraph(() -> port.copyDeviceToDeviceAsync(dst, src, 4096));
    port.memsetD32Async(dst, 0, 1024);
    port.memsetD32Async(src, 5, 1024);
    graph.replay();
    assertEquals(5, readInts(dst, 1024)[1023]);
    port.memsetD32Async(src, 9, 1024);
    graph.replay();
    assertEquals(9, readInts(dst, 1024)[0]);
    graph.close();
    port.free(src);
    port.free(dst);
  }
}
