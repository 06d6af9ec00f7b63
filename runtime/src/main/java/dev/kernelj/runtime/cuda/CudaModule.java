package dev.kernelj.runtime.cuda;

import com.sun.jna.Memory;
import com.sun.jna.ptr.LongByReference;
import dev.kernelj.runtime.driver.Driver;

/** A loaded module ({@code CUmodule}): a CUBIN, fatbin or PTX image in one context. */
public final class CudaModule implements AutoCloseable {
  private final CudaContext context;
  private final long handle;
  private boolean closed;

  private CudaModule(CudaContext context, long handle) {
    this.context = context;
    this.handle = handle;
  }

  /**
   * Loads {@code image}. The driver picks the matching CUBIN of a fatbin or JIT-compiles PTX; PTX
   * must end in a NUL byte (NVRTC's does).
   *
   * @return the module, or throws {@link dev.kernelj.runtime.driver.CudaException} with the
   *     driver's reason
   */
  static CudaModule load(CudaContext context, byte[] image) {
    long[] out = new long[1];
    int result = tryLoad(context, image, out);
    if (result != 0) {
      throw Driver.exception(result, "cuModuleLoadData(" + image.length + " bytes)");
    }
    return new CudaModule(context, out[0]);
  }

  /**
   * Loads {@code image}; returns the CUresult and puts the module handle in {@code out[0]} on
   * success.
   */
  static int tryLoad(CudaContext context, byte[] image, long[] out) {
    context.ensureCurrent();
    try (Memory m = new Memory(image.length)) {
      m.write(0, image, 0, image.length);
      LongByReference ref = new LongByReference();
      int r = Driver.api().cuModuleLoadData(ref, m);
      out[0] = ref.getValue();
      return r;
    }
  }

  static CudaModule wrap(CudaContext context, long handle) {
    return new CudaModule(context, handle);
  }

  public long handle() {
    return handle;
  }

  /** The {@code CUfunction} of {@code symbol} (a lowered name for C++ kernels). */
  public long functionHandle(String symbol) {
    context.ensureCurrent();
    LongByReference ref = new LongByReference();
    Driver.check(
        Driver.api().cuModuleGetFunction(ref, handle, symbol),
        "cuModuleGetFunction(" + symbol + ")");
    return ref.getValue();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      context.ensureCurrent();
      Driver.check(Driver.api().cuModuleUnload(handle), "cuModuleUnload");
    }
  }
}
