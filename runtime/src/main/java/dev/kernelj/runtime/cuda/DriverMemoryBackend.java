package dev.kernelj.runtime.cuda;

import com.sun.jna.ptr.LongByReference;
import dev.kernelj.runtime.driver.CuConstants;
import dev.kernelj.runtime.driver.Driver;

/** {@code cuMemAlloc_v2}-backed raw memory for {@link CachingAllocator}. */
final class DriverMemoryBackend implements CachingAllocator.Backend {
  private final CudaContext context;

  DriverMemoryBackend(CudaContext context) {
    this.context = context;
  }

  @Override
  public long allocate(long bytes) {
    context.ensureCurrent();
    LongByReference ptr = new LongByReference();
    int r = Driver.api().cuMemAlloc_v2(ptr, bytes);
    if (r == CuConstants.CUDA_ERROR_OUT_OF_MEMORY) {
      return 0;
    }
    Driver.check(r, "cuMemAlloc_v2(" + bytes + " bytes)");
    return ptr.getValue();
  }

  @Override
  public void free(long address) {
    context.ensureCurrent();
    Driver.check(Driver.api().cuMemFree_v2(address), "cuMemFree_v2");
  }

  @Override
  public void synchronize() {
    context.synchronize();
  }
}
