package dev.kernelj.runtime.cuda;

import com.sun.jna.Memory;
import com.sun.jna.ptr.LongByReference;
import dev.kernelj.runtime.driver.CuConstants;
import dev.kernelj.runtime.driver.Driver;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Allocation through the device's default memory pool ({@code cuMemAllocAsync} / {@code
 * cuMemFreeAsync}): stream-ordered, cached by the driver. The pool's release threshold is raised so
 * that memory freed at a synchronisation is kept for reuse instead of being returned to the OS (the
 * default threshold 0 would make every step of a decode loop re-map memory).
 */
public final class StreamOrderedAllocator implements DeviceAllocator {
  /** Keep everything: the pool is trimmed explicitly on {@link #close()}. */
  public static final long KEEP_ALL = -1L; // UINT64_MAX

  private final CudaContext context;
  private final long pool;
  private final AtomicLong inUse = new AtomicLong();

  StreamOrderedAllocator(CudaContext context, long releaseThreshold) {
    this.context = context;
    context.ensureCurrent();
    LongByReference poolRef = new LongByReference();
    Driver.check(
        Driver.api().cuDeviceGetDefaultMemPool(poolRef, context.device().handle()),
        "cuDeviceGetDefaultMemPool");
    this.pool = poolRef.getValue();
    try (Memory value = new Memory(8)) {
      value.setLong(0, releaseThreshold);
      Driver.check(
          Driver.api()
              .cuMemPoolSetAttribute(pool, CuConstants.CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, value),
          "cuMemPoolSetAttribute(CU_MEMPOOL_ATTR_RELEASE_THRESHOLD)");
    }
  }

  @Override
  public long allocate(long bytes, long stream) {
    context.ensureCurrent();
    LongByReference ptr = new LongByReference();
    Driver.check(
        Driver.api().cuMemAllocAsync(ptr, Math.max(1, bytes), stream),
        "cuMemAllocAsync(" + bytes + " bytes)");
    inUse.addAndGet(bytes);
    return ptr.getValue();
  }

  @Override
  public void free(long address, long bytes, long stream) {
    context.ensureCurrent();
    Driver.check(Driver.api().cuMemFreeAsync(address, stream), "cuMemFreeAsync");
    inUse.addAndGet(-bytes);
  }

  @Override
  public long bytesInUse() {
    return inUse.get();
  }

  @Override
  public String describe() {
    return "stream-ordered pool (cuMemAllocAsync)";
  }

  @Override
  public void close() {
    context.ensureCurrent();
    Driver.check(Driver.api().cuCtxSynchronize(), "cuCtxSynchronize");
    Driver.check(Driver.api().cuMemPoolTrimTo(pool, 0), "cuMemPoolTrimTo");
  }
}
