package dev.kernelj.ops.reference;

import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.Tensor;
import java.util.Arrays;

/**
 * {@link StepIo} of the reference backend: writes straight into the host tensors' arrays and reads
 * copies of them. It keeps the CUDA backend's capacity rule, so a step that would overflow the
 * GPU's staging buffer fails here too.
 */
final class ArrayStepIo implements StepIo {
  private final int capacityInts;
  private int used;

  ArrayStepIo(int capacityInts) {
    if (capacityInts < 1) {
      throw new IllegalArgumentException("step I/O of " + capacityInts + " ints (>= 1)");
    }
    this.capacityInts = capacityInts;
  }

  @Override
  public void write(Tensor dst, int[] values, int count) {
    StepIo.requireFits(dst, values, count);
    StepIo.requireCapacity(used, count, capacityInts);
    System.arraycopy(values, 0, dst.hostInts(), (int) dst.offset(), count);
    used += count;
  }

  @Override
  public float[] readFloats(Tensor src) {
    if (!src.isContiguous()) {
      return src.toFloatArray();
    }
    int from = (int) src.offset();
    return Arrays.copyOfRange(src.hostFloats(), from, from + (int) src.numel());
  }

  @Override
  public int[] readInts(Tensor src) {
    if (!src.isContiguous()) {
      return src.toIntArray();
    }
    int from = (int) src.offset();
    return Arrays.copyOfRange(src.hostInts(), from, from + (int) src.numel());
  }

  @Override
  public void endStep() {
    used = 0;
  }

  @Override
  public void close() {}
}
