package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.kernels.GemmCall;
import dev.kernelj.ops.kernels.RecordingKernels;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A device port without a device: hands out fake addresses and records what would have been queued,
 * so CPU tests can prove that bad input is refused before anything reaches the stream.
 */
public class FakePort implements DevicePort {
  final List<String> queued = new ArrayList<>();
  final List<GemmCall> gemms = new ArrayList<>();
  final List<RecordingKernels.Call> launches = new ArrayList<>();
  private long next = 0x10000;

  @Override
  public String deviceName() {
    return "fake";
  }

  @Override
  public int multiprocessorCount() {
    return 1;
  }

  @Override
  public long l2CacheBytes() {
    return 1 << 20;
  }

  @Override
  public int sharedMemoryPerBlock() {
    return 227 * 1024; // an H100's
  }

  @Override
  public int sharedMemoryPerMultiprocessor() {
    return 228 * 1024;
  }

  /**
   * A launcher that records each launch ({@code "launch <method>"} in {@link #queued}, the call in
   * {@link #launches}) instead of running it, so CPU tests see which kernel instantiation the
   * backend picks and the typed pointers it passes.
   */
  @Override
  public <K> K loadKernels(Class<K> kernelInterface) {
    RecordingKernels<K> recording =
        RecordingKernels.of(
            kernelInterface,
            call -> {
              queued.add("launch " + call.kernel());
              launches.add(call);
            });
    return recording.kernels();
  }

  @Override
  public StreamRef stream() {
    return StreamRef.DEFAULT;
  }

  @Override
  public long allocate(long bytes) {
    long a = next;
    next += (bytes + 255) / 256 * 256;
    return a;
  }

  @Override
  public void free(long address) {
    queued.add("free");
  }

  @Override
  public ByteBuffer allocatePinned(long bytes) {
    return ByteBuffer.allocateDirect((int) bytes);
  }

  @Override
  public void freePinned(ByteBuffer buffer) {}

  @Override
  public void copyHostToDeviceAsync(long dst, ByteBuffer src, long bytes) {
    queued.add("h2d");
  }

  /** When set, reading back what a batch-invariant GEMM wrote gives bytes of 1, not zeros. */
  boolean invariantGemmsReadBackOnes;

  private final Set<Long> invariantOutputs = new HashSet<>();

  @Override
  public void copyDeviceToHostAsync(ByteBuffer dst, long src, long bytes) {
    queued.add("d2h");
    if (invariantGemmsReadBackOnes && invariantOutputs.contains(src)) {
      for (int i = 0; i < bytes; i++) {
        dst.put(dst.position() + i, (byte) 1);
      }
    }
  }

  @Override
  public void copyDeviceToDeviceAsync(long dst, long src, long bytes) {
    queued.add("d2d");
  }

  @Override
  public void memsetD8Async(long dst, byte value, long count) {
    queued.add("memset8");
  }

  @Override
  public void memsetD16Async(long dst, short value, long count) {
    queued.add("memset16");
  }

  @Override
  public void memsetD32Async(long dst, int value, long count) {
    queued.add("memset32");
  }

  @Override
  public void synchronize() {}

  @Override
  public long[] memoryInfo() {
    return new long[] {1L << 30, 1L << 30};
  }

  @Override
  public CapturedGraph captureGraph(Runnable body) {
    throw new UnsupportedOperationException("the fake port cannot capture");
  }

  @Override
  public void synchronizeEvent(long event) {}

  @Override
  public void gemm(GemmCall call) {
    gemms.add(call);
    queued.add("gemm");
  }

  /** Batch-invariant GEMMs, each with its plan column count. */
  final List<GemmCall> invariantGemms = new ArrayList<>();

  final List<Integer> planColumns = new ArrayList<>();

  @Override
  public void gemmBatchInvariant(GemmCall call, int planColumns) {
    invariantGemms.add(call);
    invariantOutputs.add(call.c());
    this.planColumns.add(planColumns);
    queued.add("gemm invariant");
  }

  @Override
  public long createEvent() {
    return 1;
  }

  @Override
  public void recordEvent(long event) {}

  @Override
  public float elapsedMillis(long start, long end) {
    return 0;
  }

  @Override
  public void destroyEvent(long event) {}

  @Override
  public void close() {}
}
