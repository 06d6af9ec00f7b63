package dev.kernelj.ops;

import java.util.function.LongConsumer;

/**
 * One block of device memory backing a tensor: its address, its size and who frees it. The backend
 * that allocated it is its {@link #device()}; ops refuse tensors of another device.
 */
public final class DeviceAllocation {
  private final long address;
  private final long bytes;
  private final Object device;
  private final LongConsumer free;
  private volatile boolean released;

  /**
   * @param address the device address (CUdeviceptr), non-zero
   * @param bytes size in bytes
   * @param device identity of the owning backend, compared by reference
   * @param free called once with {@code address} when the allocation is released
   */
  public DeviceAllocation(long address, long bytes, Object device, LongConsumer free) {
    if (address == 0) {
      throw new IllegalArgumentException("device allocation at address 0");
    }
    this.address = address;
    this.bytes = bytes;
    this.device = device;
    this.free = free;
  }

  public long address() {
    return address;
  }

  public long bytes() {
    return bytes;
  }

  public Object device() {
    return device;
  }

  public boolean isReleased() {
    return released;
  }

  /** Frees the memory; later calls do nothing. */
  public synchronized void release() {
    if (!released) {
      released = true;
      free.accept(address);
    }
  }
}
