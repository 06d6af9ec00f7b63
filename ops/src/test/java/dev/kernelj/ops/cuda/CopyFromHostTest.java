package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.BFloat16;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.Float16;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.reference.ReferenceOps;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Ops#copyFromHost}: raw bytes into a row range of a tensor on the reference backend, and on
 * the CUDA backend through a port whose "device" runs a queued copy only when something waits for
 * it, so that a staging buffer refilled before its copy ran would show up as corrupted bytes.
 */
class CopyFromHostTest {
  private static ByteBuffer littleEndian(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Test
  void referenceWritesRawElementsIntoARowRangeAndLeavesTheRestAlone() {
    ReferenceOps ops = new ReferenceOps();
    Tensor t = ops.empty(DType.F32, 4, 3);
    ByteBuffer rows = littleEndian(6 * 4);
    for (int i = 0; i < 6; i++) {
      rows.putFloat(i + 0.5f);
    }
    rows.flip();
    ops.copyFromHost(t.slice(0, 1, 3), rows);
    assertEquals(0, rows.position(), "the buffer is not moved");
    assertArrayEquals(
        new float[] {0, 0, 0, 0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 0, 0, 0}, t.toFloatArray());

    Tensor b = ops.empty(DType.BF16, 2);
    ByteBuffer bits =
        littleEndian(2 * 2).putShort(BFloat16.fromFloat(-1.25f)).putShort((short) 0x7f80).flip();
    ops.copyFromHost(b, bits);
    assertArrayEquals(new float[] {-1.25f, Float.POSITIVE_INFINITY}, b.toFloatArray());

    Tensor ints = ops.empty(DType.I32, 2);
    ops.copyFromHost(ints, littleEndian(8).putInt(-7).putInt(1 << 30).flip());
    assertArrayEquals(new int[] {-7, 1 << 30}, ints.toIntArray());
  }

  @Test
  void wrongByteCountsAndStridedTargetsAreRefusedOnBothBackends() {
    for (Ops ops : List.of(new ReferenceOps(), new CudaOps(new FakePort()))) {
      Tensor t = ops.empty(DType.F32, 2, 3);
      OpArgumentException e =
          assertThrows(OpArgumentException.class, () -> ops.copyFromHost(t, littleEndian(12)));
      assertTrue(
          e.getMessage().startsWith("copyFromHost: bytes holds 12 bytes but dst f32"),
          e.getMessage());
      assertTrue(
          e.getMessage().contains("needs 24 (6 elements of F32, 4 bytes each"), e.getMessage());
      e =
          assertThrows(
              OpArgumentException.class,
              () -> ops.copyFromHost(t.slice(1, 0, 2), littleEndian(16)));
      assertTrue(e.getMessage().endsWith("must be contiguous"), e.getMessage());
    }
    FakePort port = new FakePort();
    CudaOps cuda = new CudaOps(port);
    Tensor host = Tensor.zeros(DType.F32, 2);
    OpArgumentException e =
        assertThrows(OpArgumentException.class, () -> cuda.copyFromHost(host, littleEndian(8)));
    assertTrue(e.getMessage().contains("is on the host"), e.getMessage());
    assertEquals(List.of(), port.queued, "nothing reached the stream");
  }

  @Test
  void cudaStagesLargeCopiesInChunksWithoutOverwritingAChunkBeforeItsCopyRan() {
    LazyDevice port = new LazyDevice(40 << 20);
    CudaOps cuda = new CudaOps(port);
    int cols = 1024;
    int bigRows =
        (2 * PinnedUploads.CHUNK_BYTES + 12_345 * 2) / (2 * cols)
            + 1; // more than two chunks, a partial last one
    Tensor fused = cuda.empty(DType.BF16, 5 + bigRows + 7, cols);
    Random random = new Random(42);
    byte[] head = randomBytes(random, 5 * cols * 2);
    byte[] big = randomBytes(random, bigRows * cols * 2);
    byte[] tail = randomBytes(random, 7 * cols * 2);

    // Three copies back to back, none waited for; the big one comes from a direct buffer at an
    // offset.
    ByteBuffer direct = ByteBuffer.allocateDirect(big.length + 3);
    direct.position(3);
    direct.put(big).position(3);
    cuda.copyFromHost(fused.slice(0, 5, 5 + bigRows), direct);
    assertEquals(3, direct.position(), "the buffer is not moved");
    cuda.copyFromHost(fused.slice(0, 0, 5), ByteBuffer.wrap(head));
    cuda.copyFromHost(fused.slice(0, 5 + bigRows, 5 + bigRows + 7), ByteBuffer.wrap(tail));
    cuda.synchronize();

    byte[] expected = new byte[head.length + big.length + tail.length];
    System.arraycopy(head, 0, expected, 0, head.length);
    System.arraycopy(big, 0, expected, head.length, big.length);
    System.arraycopy(tail, 0, expected, head.length + big.length, tail.length);
    assertArrayEquals(expected, port.read(fused.address(), expected.length));
    assertEquals(2, port.pinnedAllocations, "two staging buffers, reused across chunks and copies");
    cuda.close();
    assertEquals(0, port.pinnedLive, "staging buffers freed on close");
  }

  @Test
  void uploadEncodesEveryDtypeThroughTheKeptStagingBuffers() {
    LazyDevice port = new LazyDevice(48 << 20);
    CudaOps cuda = new CudaOps(port);
    Random random = new Random(7);
    // More than two chunks of i32, so a staging buffer is refilled while the other is queued.
    int[] ints = random.ints(2 * PinnedUploads.CHUNK_BYTES / 4 + 1_001).toArray();
    float[] floats = new float[3 * 5];
    for (int i = 0; i < floats.length; i++) {
      floats[i] = (float) random.nextGaussian() * 100;
    }
    floats[3] = Float.NaN;
    byte[] bytes = randomBytes(random, 13);

    Tensor i32 = cuda.upload(Tensor.wrapInts(ints, ints.length));
    Tensor f32 = cuda.upload(Tensor.fromFloats(DType.F32, floats, 3, 5).slice(0, 1, 3));
    Tensor bf16 = cuda.upload(Tensor.fromFloats(DType.BF16, floats, 3, 5));
    Tensor f16 = cuda.upload(Tensor.fromFloats(DType.F16, floats, 3, 5).slice(1, 1, 4));
    Tensor i8 = cuda.upload(Tensor.fromBytes(DType.I8, bytes, 13));
    cuda.synchronize();

    ByteBuffer expected = littleEndian(ints.length * 4);
    expected.asIntBuffer().put(ints);
    assertArrayEquals(expected.array(), port.read(i32.address(), ints.length * 4), "i32");
    expected = littleEndian(10 * 4);
    for (int i = 5; i < 15; i++) {
      expected.putFloat(floats[i]);
    }
    assertArrayEquals(expected.array(), port.read(f32.address(), 40), "f32 from a row slice");
    expected = littleEndian(15 * 2);
    for (float f : floats) {
      expected.putShort(BFloat16.fromFloat(f));
    }
    assertArrayEquals(expected.array(), port.read(bf16.address(), 30), "bf16");
    expected = littleEndian(9 * 2);
    for (int r = 0; r < 3; r++) {
      for (int c = 1; c < 4; c++) {
        expected.putShort(Float16.fromFloat(floats[r * 5 + c]));
      }
    }
    assertArrayEquals(
        expected.array(), port.read(f16.address(), 18), "f16 from a strided column slice");
    assertArrayEquals(bytes, port.read(i8.address(), 13), "i8");
    assertEquals(2, port.pinnedAllocations, "five uploads, one pair of staging buffers");
    cuda.close();
    assertEquals(0, port.pinnedLive, "staging buffers freed on close");
  }

  @Test
  void hostCopiesInsideAGraphCaptureAreRefusedBeforeAnythingIsQueued() {
    FakePort port =
        new FakePort() {
          @Override
          public CapturedGraph captureGraph(Runnable body) {
            body.run();
            return new CapturedGraph() {
              @Override
              public void replay() {}

              @Override
              public void close() {}
            };
          }
        };
    CudaOps cuda = new CudaOps(port);
    Tensor dst = cuda.empty(DType.F32, 4);
    port.queued.clear();
    IllegalStateException upload =
        assertThrows(
            IllegalStateException.class,
            () -> cuda.captureGraph(() -> cuda.upload(Tensor.zeros(DType.F32, 4))));
    assertTrue(
        upload.getMessage().startsWith("upload: a copy from host memory"), upload.getMessage());
    IllegalStateException copy =
        assertThrows(
            IllegalStateException.class,
            () -> cuda.captureGraph(() -> cuda.copyFromHost(dst, littleEndian(16))));
    assertTrue(copy.getMessage().startsWith("copyFromHost:"), copy.getMessage());
    assertEquals(List.of(), port.queued, "nothing reached the stream");
    cuda.upload(Tensor.zeros(DType.F32, 4)); // and outside a capture it copies
    assertTrue(port.queued.contains("h2d"));
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** Device memory as a byte array; copies run only when an event or the stream is waited for. */
  private static final class LazyDevice extends FakePort {
    private static final long BASE = 0x100000;
    private final byte[] memory;
    private long top = BASE;
    private final List<Runnable> pending = new ArrayList<>();
    private int ran;
    private final Map<Long, Integer> recordedAt = new HashMap<>();
    private long nextEvent = 1;
    int pinnedAllocations;
    int pinnedLive;

    LazyDevice(int bytes) {
      memory = new byte[bytes];
    }

    @Override
    public long allocate(long bytes) {
      long address = top;
      top += (bytes + 255) / 256 * 256;
      if (top - BASE > memory.length) {
        throw new IllegalStateException("fake device memory exhausted");
      }
      return address;
    }

    @Override
    public ByteBuffer allocatePinned(long bytes) {
      pinnedAllocations++;
      pinnedLive++;
      return ByteBuffer.allocateDirect((int) bytes);
    }

    @Override
    public void freePinned(ByteBuffer buffer) {
      pinnedLive--;
    }

    @Override
    public void copyHostToDeviceAsync(long dst, ByteBuffer src, long bytes) {
      queued.add("h2d");
      // Reads the source when it runs, like a DMA engine does.
      pending.add(
          () ->
              src.duplicate()
                  .position(0)
                  .limit((int) bytes)
                  .get(memory, (int) (dst - BASE), (int) bytes));
    }

    @Override
    public long createEvent() {
      return nextEvent++;
    }

    @Override
    public void recordEvent(long event) {
      recordedAt.put(event, pending.size());
    }

    @Override
    public void synchronizeEvent(long event) {
      runUpTo(recordedAt.getOrDefault(event, 0));
    }

    @Override
    public void synchronize() {
      runUpTo(pending.size());
    }

    private void runUpTo(int end) {
      while (ran < end) {
        pending.get(ran++).run();
      }
    }

    byte[] read(long address, int length) {
      return Arrays.copyOfRange(memory, (int) (address - BASE), (int) (address - BASE) + length);
    }
  }

  /**
   * Chunks filled in four parts on the pool's threads (the CI machine's two cores fill in one):
   * every byte lands where it belongs, a short last part and a partial last chunk included.
   */
  @Test
  void aChunkFilledInParallelPartsArrivesWhole() {
    LazyDevice port = new LazyDevice(40 << 20);
    byte[] bytes = randomBytes(new Random(7), PinnedUploads.CHUNK_BYTES + (5 << 20) + 40);
    long dst = port.allocate(bytes.length);
    try (PinnedUploads uploads = new PinnedUploads(port, 4)) {
      uploads.copy(dst, ByteBuffer.wrap(bytes));
      port.synchronize();
      assertArrayEquals(bytes, port.read(dst, bytes.length));
    }
  }

  /**
   * A part of a chunk that fails is thrown only after the other parts have finished writing: the
   * buffer is reused or freed next, so a part still running would write into it.
   */
  @Test
  void aFailingPartWaitsForTheOtherPartsBeforeItIsThrown() {
    FakePort port = new FakePort();
    AtomicInteger finished = new AtomicInteger();
    try (PinnedUploads uploads = new PinnedUploads(port, 4)) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  uploads.copy(
                      port.allocate(PinnedUploads.CHUNK_BYTES),
                      PinnedUploads.CHUNK_BYTES,
                      (from, chunk) -> {
                        if (from == PinnedUploads.CHUNK_BYTES / 4) {
                          throw new IllegalStateException("the source failed");
                        }
                        try {
                          Thread.sleep(200);
                        } catch (InterruptedException ie) {
                          Thread.currentThread().interrupt();
                        }
                        finished.incrementAndGet();
                      }));
      assertEquals(3, finished.get(), "every other part had finished when the failure was thrown");
      assertEquals("the source failed", e.getMessage(), "the source's own exception");
    }
  }
}
