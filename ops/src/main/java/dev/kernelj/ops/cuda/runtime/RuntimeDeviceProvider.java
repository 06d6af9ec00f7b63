package dev.kernelj.ops.cuda.runtime;

import dev.kernelj.ops.cuda.DevicePort;
import dev.kernelj.runtime.cuda.Cuda;

/**
 * Registered in {@code META-INF/services} so that {@code CudaOps.open(ordinal)} finds the runtime
 * module's CUDA implementation of the device port. Refuses with one line saying why when the driver
 * is missing, reports no device, or has no device of that ordinal.
 */
public final class RuntimeDeviceProvider implements DevicePort.Provider {
  /** For {@link java.util.ServiceLoader}. */
  public RuntimeDeviceProvider() {}

  @Override
  public DevicePort open(int deviceOrdinal) {
    String why = Cuda.unavailableReason();
    if (why != null) {
      throw new IllegalStateException("no usable CUDA device: " + why);
    }
    int count = Cuda.deviceCount();
    if (deviceOrdinal < 0 || deviceOrdinal >= count) {
      throw new IllegalStateException(
          "CUDA device "
              + deviceOrdinal
              + " does not exist: the driver reports "
              + count
              + (count == 1 ? " device" : " devices"));
    }
    return RuntimeDevicePort.open(deviceOrdinal);
  }
}
