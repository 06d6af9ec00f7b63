package dev.kernelj.ops;

import dev.kernelj.dsl.DType;

/**
 * Moves a step's data between the host and a backend ({@link Ops#stepIo}): writes the small integer
 * inputs (packed token ids, positions, slots, block tables; a {@link TokenSampler}'s per-row
 * settings) into the fixed I32 tensors a captured step reads, and reads back what the host needs
 * (sampled ids, logprobs, logits where a caller records them). On CUDA every write of a step goes
 * to its own part of one pinned buffer as a queued copy, so writes never overwrite each other's
 * source before the copy runs; the reference backend writes the host arrays in place. Both refuse a
 * step that writes more than the capacity they were opened with, so a CPU test finds a step that
 * would overflow the GPU's staging buffer.
 *
 * <p>A step is: writes, queued ops, reads (the first read waits for the queued work), then {@link
 * #endStep}, which lets the next step reuse the staging buffer from its start.
 */
public interface StepIo extends AutoCloseable {
  /**
   * Copies {@code values[0, count)} into the first {@code count} elements of contiguous I32 {@code
   * dst}.
   *
   * @throws IllegalStateException when the step's writes exceed the capacity
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

  /** Called once a step's outputs have been read: the next writes start from the beginning. */
  void endStep();

  /** Frees the staging memory. */
  @Override
  void close();

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
    if (dst.dtype() != DType.I32) {
      throw new IllegalArgumentException("step input " + dst + " is not I32");
    }
  }

  /**
   * The capacity check both backends make: {@code used + count} ints in one step must fit {@code
   * capacity}.
   */
  static void requireCapacity(int used, int count, int capacity) {
    if ((long) used + count > capacity) {
      throw new IllegalStateException(
          "step inputs exceed the staging buffer of "
              + capacity
              + " ints ("
              + used
              + " written this step, "
              + count
              + " more)");
    }
  }
}
