package dev.kernelj.ops;

/** Where a tensor's elements live: host arrays (the reference backend) or device memory (CUDA). */
public sealed interface TensorStorage {
  /** Capacity in elements. */
  long capacity();

  /**
   * Host storage. Floating dtypes keep their values as floats already rounded to the dtype (so a
   * bf16 host tensor holds only bf16-representable floats); i32 uses ints; i8/u8 bytes.
   */
  record Host(float[] floats, int[] ints, byte[] bytes) implements TensorStorage {
    @Override
    public long capacity() {
      return floats != null ? floats.length : ints != null ? ints.length : bytes.length;
    }
  }

  /** Device storage: raw bytes of the dtype at an allocation. */
  record Device(DeviceAllocation allocation, long capacity) implements TensorStorage {}
}
