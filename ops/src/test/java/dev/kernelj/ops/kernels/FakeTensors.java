package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DeviceAllocation;
import dev.kernelj.ops.Shape;
import dev.kernelj.ops.Tensor;

/**
 * Device tensors at made-up addresses, for launch code run against {@link RecordingKernels} or the
 * {@link HostEmulator}: the launch code takes its typed pointers from them, as from real ones.
 */
public final class FakeTensors {
  private static final Object DEVICE = new Object();

  private FakeTensors() {}

  /** A one-element tensor of {@code dtype} at {@code address} (not 0: no tensor lives there). */
  public static Tensor at(DType dtype, long address) {
    return Tensor.onDevice(
        dtype, Shape.of(1), new DeviceAllocation(address, dtype.byteSize(), DEVICE, a -> {}));
  }
}
