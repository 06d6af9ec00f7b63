package dev.kernelj.llm.engine;

import dev.kernelj.ops.Tensor;
import java.util.Arrays;

/**
 * Moves a step's data between the host and the backend: writes the small integer inputs (the packed
 * step inputs, the sampler's per-row settings) into the fixed I32 buffers a captured decode step
 * reads, and reads back the sampled ids (and logits, where a caller records them). Host tensors are
 * used in place; device tensors go through pinned memory the engine allocates once (see {@link
 * CudaBridge}).
 */
interface StepIo extends AutoCloseable {
  /**
   * Copies {@code values[0, count)} into the first {@code count} elements of contiguous I32 {@code
   * dst}.
   */
  void write(Tensor dst, int[] values, int count);

  /** Copies all of {@code values} into the first elements of contiguous I32 {@code dst}. */
  default void write(Tensor dst, int[] values) {
    write(dst, values, values.length);
  }

  /** The elements of contiguous F32 {@code src} as a new array; waits for the queued work. */
  float[] readFloats(Tensor src);

  /** The elements of contiguous I32 {@code src} as a new array; waits for the queued work. */
  int[] readInts(Tensor src);

  /**
   * Called once a step's outputs have been read; a device writer then reuses its pinned memory from
   * the start.
   */
  default void endStep() {}

  @Override
  default void close() {}

  /** Writes straight into host tensors (the reference backend). */
  static StepIo host() {
    return new StepIo() {
      @Override
      public void write(Tensor dst, int[] values, int count) {
        requireFits(dst, values, count);
        System.arraycopy(values, 0, dst.hostInts(), (int) dst.offset(), count);
      }

      @Override
      public float[] readFloats(Tensor src) {
        int from = (int) src.offset();
        return Arrays.copyOfRange(src.hostFloats(), from, from + (int) src.numel());
      }

      @Override
      public int[] readInts(Tensor src) {
        int from = (int) src.offset();
        return Arrays.copyOfRange(src.hostInts(), from, from + (int) src.numel());
      }
    };
  }

  /** The checks every writer makes before it copies. */
  static void requireFits(Tensor dst, int[] values, int count) {
    if (count < 0 || count > values.length) {
      throw new IllegalArgumentException(
          "write of " + count + " values from an array of " + values.length);
    }
    if (count > dst.numel()) {
      throw new IllegalArgumentException(count + " inputs do not fit " + dst);
    }
    if (!dst.isContiguous()) {
      throw new IllegalArgumentException("step input " + dst + " is not contiguous");
    }
  }
}
