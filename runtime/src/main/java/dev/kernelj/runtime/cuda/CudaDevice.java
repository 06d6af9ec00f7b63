package dev.kernelj.runtime.cuda;

import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import dev.kernelj.runtime.driver.CuConstants;
import dev.kernelj.runtime.driver.Driver;
import java.nio.charset.StandardCharsets;

/**
 * One CUDA device: its name, compute capability, SM count, memory and attributes. A device holds no
 * resources; {@link #primaryContext()} retains the context that owns memory and modules.
 */
public final class CudaDevice {
  private final int ordinal;
  private final int handle;

  CudaDevice(int ordinal, int handle) {
    this.ordinal = ordinal;
    this.handle = handle;
  }

  /** The device ordinal as the driver numbers devices. */
  public int ordinal() {
    return ordinal;
  }

  /** The {@code CUdevice} handle. */
  public int handle() {
    return handle;
  }

  /** Marketing name, e.g. {@code NVIDIA H100 80GB HBM3}. */
  public String name() {
    byte[] buf = new byte[256];
    Driver.check(
        Driver.api().cuDeviceGetName(buf, buf.length, handle),
        "cuDeviceGetName(device " + ordinal + ")");
    int len = 0;
    while (len < buf.length && buf[len] != 0) {
      len++;
    }
    return new String(buf, 0, len, StandardCharsets.UTF_8);
  }

  /** A {@code CUdevice_attribute} value (see {@link CuConstants}). */
  public int attribute(int attribute) {
    IntByReference v = new IntByReference();
    Driver.check(
        Driver.api().cuDeviceGetAttribute(v, attribute, handle),
        "cuDeviceGetAttribute(" + attribute + ", device " + ordinal + ")");
    return v.getValue();
  }

  public ComputeCapability computeCapability() {
    return new ComputeCapability(
        attribute(CuConstants.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
        attribute(CuConstants.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR));
  }

  /** Number of streaming multiprocessors. */
  public int smCount() {
    return attribute(CuConstants.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  }

  public int maxThreadsPerBlock() {
    return attribute(CuConstants.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  }

  /** Largest dynamic shared memory a block may opt in to. */
  public int maxSharedMemoryPerBlockOptin() {
    return attribute(CuConstants.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
  }

  /** Whether {@code cuMemAllocAsync} and memory pools work on this device. */
  public boolean supportsMemoryPools() {
    return attribute(CuConstants.CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED) != 0;
  }

  /** Total device memory in bytes. */
  public long totalMemory() {
    LongByReference v = new LongByReference();
    Driver.check(
        Driver.api().cuDeviceTotalMem_v2(v, handle), "cuDeviceTotalMem_v2(device " + ordinal + ")");
    return v.getValue();
  }

  /** Retains this device's primary context and makes it current on the calling thread. */
  public CudaContext primaryContext() {
    return CudaContext.retainPrimary(this);
  }

  @Override
  public String toString() {
    return "CudaDevice[" + ordinal + "]";
  }
}
