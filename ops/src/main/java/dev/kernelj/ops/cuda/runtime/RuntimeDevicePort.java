package dev.kernelj.ops.cuda.runtime;

import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.cuda.DevicePort;
import dev.kernelj.ops.kernels.GemmCall;
import dev.kernelj.runtime.cuda.Cuda;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.CudaDevice;
import dev.kernelj.runtime.cuda.CudaEvent;
import dev.kernelj.runtime.cuda.CudaGraph;
import dev.kernelj.runtime.cuda.CudaStream;
import dev.kernelj.runtime.cuda.DeviceAllocator;
import dev.kernelj.runtime.cuda.PinnedBuffer;
import dev.kernelj.runtime.cuda.StreamMemory;
import dev.kernelj.runtime.driver.CuConstants;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CUDA backend's {@link DevicePort} over the runtime module: the device's primary context, one
 * non-blocking stream that every operation is ordered on (non-blocking so that capturing it into a
 * graph never meets an implicit sync with the legacy stream), the context's allocator (the driver's
 * stream-ordered pool, or the runtime's caching allocator where pools are missing), pinned host
 * buffers, timing events and cuBLAS/cuBLASLt bound to the stream. The ops module uses the runtime's
 * CUDA classes here and nowhere else.
 *
 * <p>Memory is freed in stream order ({@code cuMemFreeAsync}, or a cache that only hands a block
 * back to work on the same stream), so a tensor may be closed while kernels that read it are still
 * queued.
 */
public final class RuntimeDevicePort implements DevicePort {
  private final CudaContext context;
  private final CudaStream stream;
  private final StreamMemory memory;
  private final DeviceAllocator allocator;
  private final String deviceName;
  private final int multiprocessors;
  private final long l2Bytes;
  private final int sharedPerBlock;
  private final int sharedPerMultiprocessor;
  private final RuntimeGemm gemm;
  private final Map<Long, Long> allocations = new ConcurrentHashMap<>();
  private final Map<ByteBuffer, PinnedBuffer> pinned = new IdentityHashMap<>();
  private final Map<Long, CudaEvent> events = new ConcurrentHashMap<>();
  private final AtomicLong nextEvent = new AtomicLong(1);
  private volatile boolean closed;

  private RuntimeDevicePort(CudaContext context) {
    this.context = context;
    CudaDevice device = context.device();
    this.deviceName = device.name();
    this.multiprocessors = device.smCount();
    this.l2Bytes = device.attribute(CuConstants.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE);
    this.sharedPerBlock = device.maxSharedMemoryPerBlockOptin();
    this.sharedPerMultiprocessor =
        device.attribute(CuConstants.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR);
    this.allocator = context.allocator();
    this.stream = context.createNonBlockingStream();
    this.memory = new StreamMemory(stream);
    this.gemm = new RuntimeGemm(context, stream);
  }

  /** Retains device {@code ordinal}'s primary context and opens a port on a new stream of it. */
  public static RuntimeDevicePort open(int ordinal) {
    CudaContext context = Cuda.context(ordinal);
    try {
      return new RuntimeDevicePort(context);
    } catch (RuntimeException | Error e) {
      try {
        context.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  @Override
  public String deviceName() {
    return deviceName;
  }

  @Override
  public int multiprocessorCount() {
    return multiprocessors;
  }

  @Override
  public long l2CacheBytes() {
    return l2Bytes;
  }

  @Override
  public int sharedMemoryPerBlock() {
    return sharedPerBlock;
  }

  @Override
  public int sharedMemoryPerMultiprocessor() {
    return sharedPerMultiprocessor;
  }

  @Override
  public <K> K loadKernels(Class<K> kernelInterface) {
    open();
    return LauncherLookup.load(kernelInterface, context);
  }

  @Override
  public StreamRef stream() {
    return stream;
  }

  // ---------------------------------------------------------------- memory

  @Override
  public long allocate(long bytes) {
    open();
    long address = allocator.allocate(bytes, stream.streamHandle());
    allocations.put(address, bytes);
    return address;
  }

  @Override
  public void free(long address) {
    if (closed) {
      return; // the context's memory went back with the port
    }
    Long bytes = allocations.remove(address);
    if (bytes == null) {
      throw new IllegalArgumentException(
          "free of device address 0x"
              + Long.toHexString(address)
              + " that this port did not allocate, or freed twice");
    }
    allocator.free(address, bytes, stream.streamHandle());
  }

  @Override
  public ByteBuffer allocatePinned(long bytes) {
    open();
    if (bytes < 1 || bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "pinned buffer of "
              + bytes
              + " bytes: 1 to 2^31 - 1 bytes can be mapped as a ByteBuffer");
    }
    PinnedBuffer buffer = context.allocatePinned(bytes);
    ByteBuffer view = buffer.asByteBuffer();
    synchronized (pinned) {
      pinned.put(view, buffer);
    }
    return view;
  }

  @Override
  public void freePinned(ByteBuffer buffer) {
    PinnedBuffer owner;
    synchronized (pinned) {
      owner = pinned.remove(buffer);
    }
    if (owner == null) {
      if (closed) {
        return;
      }
      throw new IllegalArgumentException(
          "freePinned of a buffer that allocatePinned did not return (or freed twice)");
    }
    owner.close();
  }

  @Override
  public void copyHostToDeviceAsync(long dst, ByteBuffer src, long bytes) {
    open();
    memory.copyToDevice(dst, src, bytes);
  }

  @Override
  public void copyDeviceToHostAsync(ByteBuffer dst, long src, long bytes) {
    open();
    memory.copyToHost(dst, src, bytes);
  }

  @Override
  public void copyDeviceToDeviceAsync(long dst, long src, long bytes) {
    open();
    memory.copyOnDevice(dst, src, bytes);
  }

  @Override
  public void memsetD8Async(long dst, byte value, long count) {
    open();
    memory.fill8(dst, value, count);
  }

  @Override
  public void memsetD16Async(long dst, short value, long count) {
    open();
    memory.fill16(dst, value, count);
  }

  @Override
  public void memsetD32Async(long dst, int value, long count) {
    open();
    memory.fill32(dst, value, count);
  }

  // ---------------------------------------------------------------- order, graphs, libraries

  @Override
  public void synchronize() {
    open();
    stream.synchronize();
  }

  @Override
  public long[] memoryInfo() {
    open();
    return context.memoryInfo();
  }

  @Override
  public CapturedGraph captureGraph(Runnable body) {
    open();
    CudaGraph graph = CudaGraph.capture(stream, body);
    return new CapturedGraph() {
      @Override
      public void replay() {
        graph.launch(stream);
      }

      @Override
      public void close() {
        graph.close();
      }
    };
  }

  @Override
  public void gemm(GemmCall call) {
    open();
    gemm.run(call);
  }

  @Override
  public void gemmBatchInvariant(GemmCall call, int planColumns) {
    open();
    gemm.runBatchInvariant(call, planColumns);
  }

  // ---------------------------------------------------------------- events

  @Override
  public long createEvent() {
    open();
    long id = nextEvent.getAndIncrement();
    events.put(id, context.createEvent());
    return id;
  }

  @Override
  public void recordEvent(long event) {
    event(event).record(stream);
  }

  @Override
  public float elapsedMillis(long start, long end) {
    CudaEvent later = event(end);
    later.synchronize();
    return later.elapsedMillisSince(event(start));
  }

  @Override
  public void synchronizeEvent(long event) {
    event(event).synchronize();
  }

  @Override
  public void destroyEvent(long event) {
    CudaEvent e = events.remove(event);
    if (e != null) {
      e.close();
    }
  }

  private CudaEvent event(long id) {
    open();
    CudaEvent e = events.get(id);
    if (e == null) {
      throw new IllegalArgumentException(
          "event " + id + " was not created by this port, or was destroyed");
    }
    return e;
  }

  private void open() {
    if (closed) {
      throw new IllegalStateException("the CUDA device port of " + deviceName + " is closed");
    }
  }

  // ---------------------------------------------------------------- close

  /**
   * Waits for the stream, then releases events, pinned buffers, the BLAS handles, memory still
   * allocated, the stream and the context. Tensors freed later find the port closed and do nothing.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    List<RuntimeException> failures = new ArrayList<>();
    attempt(failures, stream::synchronize);
    closed = true;
    events.values().forEach(e -> attempt(failures, e::close));
    events.clear();
    synchronized (pinned) {
      pinned.values().forEach(p -> attempt(failures, p::close));
      pinned.clear();
    }
    attempt(failures, gemm::close);
    allocations.forEach(
        (address, bytes) ->
            attempt(failures, () -> allocator.free(address, bytes, stream.streamHandle())));
    allocations.clear();
    attempt(failures, stream::close);
    attempt(failures, context::close);
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }

  private static void attempt(List<RuntimeException> failures, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(e);
    }
  }
}
