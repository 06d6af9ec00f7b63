package dev.kernelj.runtime.cuda;

import com.sun.jna.ptr.LongByReference;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.runtime.cache.KernelCache;
import dev.kernelj.runtime.driver.CuDirect;
import dev.kernelj.runtime.driver.Driver;
import dev.kernelj.runtime.dynamic.DynamicKernel;
import dev.kernelj.runtime.kernel.KernelModuleLoader;
import dev.kernelj.runtime.kernel.KernelSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A device's primary context, retained for as long as this object is open: the owner of device
 * memory, modules, streams and events. Every operation makes the context current on the calling
 * thread first (cheaply: a thread-local remembers which context is current).
 *
 * <p>As a {@link KernelModuleLoader} it loads {@code @Kernel} interfaces, caching the result per
 * source hash, options and bindings, so that every launcher of one interface shares one module.
 */
public final class CudaContext implements KernelModuleLoader, AutoCloseable {
  private static final ThreadLocal<CudaContext> CURRENT = new ThreadLocal<>();

  private final CudaDevice device;
  private final long handle;
  private final DeviceAllocator allocator;
  private final Map<String, LoadedKernelModule> modules = new LinkedHashMap<>();
  private final List<CudaModule> dynamicModules = new ArrayList<>();
  private volatile KernelCache kernelCache;
  private volatile boolean closed;

  private CudaContext(CudaDevice device, long handle) {
    this.device = device;
    this.handle = handle;
    CURRENT.remove();
    makeCurrent();
    this.allocator =
        device.supportsMemoryPools()
            ? new StreamOrderedAllocator(this, StreamOrderedAllocator.KEEP_ALL)
            : new CachingAllocator(new DriverMemoryBackend(this));
  }

  static CudaContext retainPrimary(CudaDevice device) {
    LongByReference ctx = new LongByReference();
    Driver.check(
        Driver.api().cuDevicePrimaryCtxRetain(ctx, device.handle()),
        "cuDevicePrimaryCtxRetain(device " + device.ordinal() + ")");
    return new CudaContext(device, ctx.getValue());
  }

  public CudaDevice device() {
    return device;
  }

  /** The {@code CUcontext} handle. */
  public long handle() {
    return handle;
  }

  /** Makes this context current on the calling thread. */
  public void makeCurrent() {
    if (closed) {
      throw new IllegalStateException("context of " + device + " is closed");
    }
    int r = CuDirect.cuCtxSetCurrent(handle);
    if (r != 0) {
      throw Driver.exception(r, "cuCtxSetCurrent");
    }
    CURRENT.set(this);
  }

  /** Makes this context current unless the calling thread already has it. */
  public void ensureCurrent() {
    if (CURRENT.get() != this) {
      makeCurrent();
    }
  }

  /** Waits for all work in this context. */
  public void synchronize() {
    ensureCurrent();
    Driver.check(Driver.api().cuCtxSynchronize(), "cuCtxSynchronize");
  }

  /** Free and total device memory in bytes, as {@code {free, total}}. */
  public long[] memoryInfo() {
    ensureCurrent();
    LongByReference free = new LongByReference();
    LongByReference total = new LongByReference();
    Driver.check(Driver.api().cuMemGetInfo_v2(free, total), "cuMemGetInfo_v2");
    return new long[] {free.getValue(), total.getValue()};
  }

  // ---- streams, events, memory

  /** A stream that synchronises with the legacy default stream, like CUDA's default. */
  public CudaStream createStream() {
    return CudaStream.create(this, false);
  }

  /** A stream that does not synchronise with the legacy default stream. */
  public CudaStream createNonBlockingStream() {
    return CudaStream.create(this, true);
  }

  /** An event that can time. */
  public CudaEvent createEvent() {
    return CudaEvent.create(this, true);
  }

  /**
   * GPU time per launch of {@code launch} (which launches on the default stream), timed inside this
   * one call: use it in jshell, where timing spread over several snippets also times jshell. See
   * {@link KernelTimer}.
   */
  public KernelTimer.Timing time(int launches, Runnable launch) {
    return KernelTimer.time(this, StreamRef.DEFAULT, launches, launches, launch);
  }

  /** An event without timing (cheaper to record and wait on). */
  public CudaEvent createSyncEvent() {
    return CudaEvent.create(this, false);
  }

  /** The allocator behind {@link #allocate}. */
  public DeviceAllocator allocator() {
    return allocator;
  }

  /** {@code count} elements of {@code element} on the legacy default stream, uninitialised. */
  public <T extends Element> DeviceBuffer<T> allocate(Class<T> element, long count) {
    return allocate(element, count, StreamRef.DEFAULT);
  }

  /**
   * {@code count} elements, allocated (and later freed) in order on {@code stream}, uninitialised.
   */
  public <T extends Element> DeviceBuffer<T> allocate(
      Class<T> element, long count, StreamRef stream) {
    ensureCurrent();
    return DeviceBuffer.allocate(this, allocator, DType.of(element), count, stream.streamHandle());
  }

  /** A buffer holding a copy of {@code values}. */
  public DeviceBuffer<dev.kernelj.dsl.F32> upload(float[] values) {
    DeviceBuffer<dev.kernelj.dsl.F32> b =
        allocate(dev.kernelj.dsl.F32.class, Math.max(1, values.length));
    b.copyFrom(values);
    return b;
  }

  /** Page-locked host memory of {@code bytes}. */
  public PinnedBuffer allocatePinned(long bytes) {
    return PinnedBuffer.allocate(this, bytes, 0);
  }

  // ---- kernels

  /** The on-disk cache NVRTC output goes through; the default location unless set. */
  public KernelCache kernelCache() {
    KernelCache c = kernelCache;
    if (c == null) {
      c = KernelCache.atDefaultLocation();
      kernelCache = c;
    }
    return c;
  }

  public void setKernelCache(KernelCache cache) {
    this.kernelCache = cache;
  }

  @Override
  public synchronized LoadedKernelModule load(KernelSource source) {
    if (closed) {
      throw new IllegalStateException("context of " + device + " is closed");
    }
    String key = source.sha256() + "|" + source.options() + "|" + bindingsKey(source);
    LoadedKernelModule m = modules.get(key);
    if (m == null) {
      ensureCurrent();
      m = KernelSourceLoader.load(this, source, kernelCache());
      modules.put(key, m);
    }
    return m;
  }

  private static String bindingsKey(KernelSource source) {
    StringBuilder sb = new StringBuilder();
    source
        .bindings()
        .forEach(
            b ->
                sb.append(b.methodName())
                    .append('=')
                    .append(b.nameExpression())
                    .append(java.util.Arrays.toString(b.paramSizes()))
                    .append(b.maxThreadsPerBlock())
                    .append('/')
                    .append(b.maxDynamicSharedBytes())
                    .append(';'));
    return sb.toString();
  }

  /** Loads a CUBIN, fatbin or NUL-terminated PTX image; the caller closes the module. */
  public CudaModule loadModule(byte[] image) {
    return CudaModule.load(this, image);
  }

  /**
   * Compiles {@code cudaSource} with NVRTC for this device (through the kernel cache) and returns
   * the kernel {@code nameExpression} names, ready for checked launches from jshell.
   *
   * @param options extra NVRTC options, e.g. {@code "-use_fast_math"}
   */
  public synchronized DynamicKernel compile(
      String cudaSource, String nameExpression, String... options) {
    return DynamicKernels.compile(
        this, cudaSource, nameExpression, List.of(options), dynamicModules);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    ensureCurrent();
    RuntimeException first = null;
    for (LoadedKernelModule m : modules.values()) {
      first = closeQuietly(m.module(), first);
    }
    for (CudaModule m : dynamicModules) {
      first = closeQuietly(m, first);
    }
    modules.clear();
    dynamicModules.clear();
    try {
      allocator.close();
    } catch (RuntimeException e) {
      first = first == null ? e : first;
    }
    closed = true;
    if (CURRENT.get() == this) {
      CURRENT.remove();
    }
    Driver.check(
        Driver.api().cuDevicePrimaryCtxRelease_v2(device.handle()), "cuDevicePrimaryCtxRelease_v2");
    if (first != null) {
      throw first;
    }
  }

  private static RuntimeException closeQuietly(CudaModule m, RuntimeException first) {
    try {
      m.close();
      return first;
    } catch (RuntimeException e) {
      return first == null ? e : first;
    }
  }
}
