package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.F64;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.I64;
import dev.kernelj.dsl.U8;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("gpu")
class DeviceAndMemoryGpuTest {
  static CudaContext ctx;

  @BeforeAll
  static void open() {
    ctx = Gpu.context();
  }

  @AfterAll
  static void close() {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void deviceInfoIsSane() {
    CudaDevice d = ctx.device();
    System.out.printf(
        "device 0: %s, cc %s, %d SMs, %.1f GiB, driver %d, %d devices, allocator: %s%n",
        d.name(),
        d.computeCapability(),
        d.smCount(),
        d.totalMemory() / (double) (1L << 30),
        Cuda.driverVersion(),
        Cuda.deviceCount(),
        ctx.allocator().describe());
    assertFalse(d.name().isBlank());
    assertTrue(d.computeCapability().major() >= 7, d.computeCapability().toString());
    assertTrue(d.smCount() > 0);
    assertTrue(d.totalMemory() > (1L << 30));
    assertTrue(Cuda.driverVersion() >= 12000, "driver " + Cuda.driverVersion());
    assertEquals(1024, d.maxThreadsPerBlock());
    long[] mem = ctx.memoryInfo();
    assertTrue(
        mem[0] > 0 && mem[0] <= mem[1] && mem[1] == d.totalMemory(),
        java.util.Arrays.toString(mem));
    assertEquals(d.supportsMemoryPools(), ctx.allocator() instanceof StreamOrderedAllocator);
  }

  @Test
  void typedCopiesRoundTrip() {
    float[] f = new float[1000];
    int[] i = new int[1000];
    double[] dd = new double[300];
    long[] l = new long[300];
    for (int k = 0; k < f.length; k++) {
      f[k] = k * 0.5f - 7;
      i[k] = k * 31 - 5000;
    }
    for (int k = 0; k < dd.length; k++) {
      dd[k] = Math.sqrt(k);
      l[k] = (long) k << 40;
    }
    try (DeviceBuffer<F32> bf = ctx.allocate(F32.class, f.length);
        DeviceBuffer<I32> bi = ctx.allocate(I32.class, i.length);
        DeviceBuffer<F64> bd = ctx.allocate(F64.class, dd.length);
        DeviceBuffer<I64> bl = ctx.allocate(I64.class, l.length)) {
      bf.copyFrom(f);
      bi.copyFrom(i);
      bd.copyFrom(dd);
      bl.copyFrom(l);
      assertArrayEquals(f, bf.toFloatArray());
      assertArrayEquals(i, bi.toIntArray());
      double[] dd2 = new double[dd.length];
      bd.copyTo(dd2);
      assertArrayEquals(dd, dd2);
      long[] l2 = new long[l.length];
      bl.copyTo(l2);
      assertArrayEquals(l, l2);
      assertThrows(IllegalArgumentException.class, () -> bf.copyFrom(new int[3]));
      assertThrows(IndexOutOfBoundsException.class, () -> bf.copyFrom(new float[1001]));
    }
  }

  @Test
  void shortsBytesAndByteBuffersRoundTrip() {
    short[] h = new short[513];
    for (int k = 0; k < h.length; k++) {
      h[k] = Gpu.toBf16(k / 8f);
    }
    try (DeviceBuffer<BF16> b = ctx.allocate(BF16.class, h.length);
        DeviceBuffer<U8> u = ctx.allocate(U8.class, 4096)) {
      b.copyFrom(h);
      short[] back = new short[h.length];
      b.copyTo(back);
      assertArrayEquals(h, back);

      ByteBuffer direct = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
      for (int k = 0; k < 4096; k++) {
        direct.put(k, (byte) (k * 7));
      }
      u.copyFrom(direct);
      byte[] bytes = new byte[4096];
      u.copyTo(bytes);
      for (int k = 0; k < 4096; k++) {
        assertEquals((byte) (k * 7), bytes[k]);
      }
      ByteBuffer heap = ByteBuffer.allocate(100);
      u.copyTo(heap);
      assertEquals((byte) (99 * 7), heap.get(99));
    }
  }

  @Test
  void slicesViewTheSameMemoryAndFillsWork() {
    try (DeviceBuffer<F32> b = ctx.allocate(F32.class, 100)) {
      b.fill(1.5f, null);
      DeviceBuffer<F32> mid = b.slice(10, 20);
      assertEquals(b.address() + 40, mid.address());
      mid.fill(-2f, null);
      float[] all = b.toFloatArray();
      for (int k = 0; k < 100; k++) {
        assertEquals(k >= 10 && k < 30 ? -2f : 1.5f, all[k], "element " + k);
      }
      b.fillBytes((byte) 0, null);
      assertArrayEquals(new float[100], b.toFloatArray());
      mid.close(); // a view's close frees nothing
      assertArrayEquals(new float[100], b.toFloatArray());
      assertThrows(IndexOutOfBoundsException.class, () -> b.slice(90, 11));
    }
  }

  @Test
  void asyncCopiesThroughPinnedMemoryAndDeviceToDevice() {
    int n = 1 << 20;
    try (CudaStream s = ctx.createNonBlockingStream();
        PinnedBuffer pinned = ctx.allocatePinned(4L * n);
        DeviceBuffer<F32> a = ctx.allocate(F32.class, n, s);
        DeviceBuffer<F32> b = ctx.allocate(F32.class, n, s)) {
      ByteBuffer host = pinned.asByteBuffer();
      for (int k = 0; k < n; k++) {
        host.putFloat(4 * k, k);
      }
      a.copyFromAsync(pinned, 0, 4L * n, s);
      b.fill(Float.NaN, s);
      b.copyFrom(a, s);
      host.clear();
      for (int k = 0; k < n; k++) {
        host.putFloat(4 * k, -1);
      }
      b.copyToAsync(pinned, 0, 4L * n, s);
      s.synchronize();
      for (int k = 0; k < n; k += 997) {
        assertEquals(k, host.getFloat(4 * k), 0f, "element " + k);
      }
    }
  }

  @Test
  void poolAllocationsAreFreedAndReused() {
    DeviceAllocator pool = ctx.allocator();
    long before = pool.bytesInUse();
    try (CudaStream s = ctx.createStream()) {
      for (int round = 0; round < 50; round++) {
        try (DeviceBuffer<F32> b = ctx.allocate(F32.class, 1 << 18, s)) {
          b.fill(round, s);
        }
      }
      s.synchronize();
    }
    assertEquals(before, pool.bytesInUse());

    try (CachingAllocator caching = new CachingAllocator(new DriverMemoryBackend(ctx))) {
      long p = caching.allocate(1 << 20, 0);
      caching.free(p, 1 << 20, 0);
      long again = caching.allocate(1 << 20, 0);
      assertEquals(p, again, "a cached block is handed out again");
      assertEquals(2L << 20, caching.bytesInUse());
      caching.free(again, 1 << 20, 0);
    }
  }

  @Test
  void aClosedBufferRefusesUse() {
    DeviceBuffer<F32> b = ctx.allocate(F32.class, 4);
    DeviceBuffer<F32> view = b.slice(1, 2);
    b.close();
    assertThrows(IllegalStateException.class, b::address);
    assertThrows(IllegalStateException.class, view::address);
  }
}
