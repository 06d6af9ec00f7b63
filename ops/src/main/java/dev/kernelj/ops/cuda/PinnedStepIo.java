package dev.kernelj.ops.cuda;

import dev.kernelj.ops.Ops;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link StepIo} of the CUDA backend: each write goes to its own part of one pinned buffer and is
 * queued as an async copy, so that several writes of one step never overwrite each other's source
 * before the copy runs. Every step ends with a read (the sampled ids), which waits for the stream;
 * {@link #endStep} then lets the next step reuse the buffer from the start.
 */
final class PinnedStepIo implements StepIo {
  private final DevicePort port;
  private final Ops ops;
  private final int capacityInts;
  private final int capacityFloats;
  private final ByteBuffer pinned;
  private final ByteBuffer readBack;
  private int used;

  PinnedStepIo(DevicePort port, Ops ops, int capacityInts, int capacityFloats) {
    if (capacityInts < 1 || capacityFloats < 1) {
      throw new IllegalArgumentException(
          "step I/O of " + capacityInts + " ints and " + capacityFloats + " floats (>= 1 each)");
    }
    this.port = port;
    this.ops = ops;
    this.capacityInts = capacityInts;
    this.capacityFloats = capacityFloats;
    this.pinned = port.allocatePinned(4L * capacityInts).order(ByteOrder.LITTLE_ENDIAN);
    try {
      this.readBack = port.allocatePinned(4L * capacityFloats).order(ByteOrder.LITTLE_ENDIAN);
    } catch (RuntimeException | Error e) {
      port.freePinned(pinned);
      throw e;
    }
  }

  @Override
  public void write(Tensor dst, int[] values, int count) {
    StepIo.requireFits(dst, values, count);
    StepIo.requireCapacity(used, count, capacityInts);
    if (count == 0) {
      return;
    }
    ByteBuffer part =
        pinned
            .duplicate()
            .position(4 * used)
            .limit(4 * (used + count))
            .slice()
            .order(ByteOrder.LITTLE_ENDIAN);
    part.asIntBuffer().put(values, 0, count);
    port.copyHostToDeviceAsync(dst.address(), part, 4L * count);
    used += count;
  }

  @Override
  public float[] readFloats(Tensor src) {
    if (src.numel() > capacityFloats || !src.isContiguous()) {
      return ops.toHost(src).toFloatArray(); // rare (all-position logits): the backend's own path
    }
    float[] out = new float[(int) src.numel()];
    readBack(src).asFloatBuffer().get(out);
    return out;
  }

  @Override
  public int[] readInts(Tensor src) {
    if (src.numel() > capacityFloats || !src.isContiguous()) {
      return ops.toHost(src).toIntArray();
    }
    int[] out = new int[(int) src.numel()];
    readBack(src).asIntBuffer().get(out);
    return out;
  }

  /** Copies 4-byte elements of {@code src} into the read-back buffer and waits for them. */
  private ByteBuffer readBack(Tensor src) {
    port.copyDeviceToHostAsync(readBack, src.address(), 4L * src.numel());
    port.synchronize();
    return readBack.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void endStep() {
    used = 0;
  }

  @Override
  public void close() {
    port.freePinned(pinned);
    port.freePinned(readBack);
  }
}
