package dev.kernelj.ops.reference;

import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.Tensor;

/**
 * Host tensors as the plain row-major arrays the op files' reference twins take: the tensor's own
 * storage when it is exactly that array (so a large KV cache is updated in place), else a copy.
 */
final class TensorArrays {
  private TensorArrays() {}

  /** Whether the tensor's storage array is its elements, in order, and nothing else. */
  static boolean isWholeStorage(Tensor t) {
    return t.isContiguous() && t.offset() == 0 && t.storage().capacity() == t.numel();
  }

  /** The elements of a floating host tensor; the storage itself when {@link #isWholeStorage}. */
  static float[] floats(Tensor t) {
    return isWholeStorage(t) ? t.hostFloats() : t.toFloatArray();
  }

  /** The elements of an I32 host tensor; the storage itself when {@link #isWholeStorage}. */
  static int[] ints(Tensor t) {
    return isWholeStorage(t) ? t.hostInts() : t.toIntArray();
  }

  /**
   * An array a twin may write a contiguous floating tensor's values into; hand it to {@link #store}
   * after.
   */
  static float[] output(Tensor t) {
    return isWholeStorage(t) ? t.hostFloats() : new float[Math.toIntExact(t.numel())];
  }

  /**
   * Puts {@code values} into a contiguous floating host tensor, rounded to its dtype (the op's one
   * rounding).
   */
  static void store(Tensor t, float[] values) {
    float[] dst = t.hostFloats();
    int from = (int) t.offset();
    if (values != dst) {
      System.arraycopy(values, 0, dst, from, values.length);
    }
    DTypes.roundInPlace(t.dtype(), dst, from, from + values.length);
  }

  /**
   * After a twin updated {@link #floats}'s array: nothing when it was the tensor's own storage
   * (updated in place; a KV cache is not copied back every step), else {@link #store}.
   */
  static void writeBack(Tensor t, float[] values) {
    if (values != t.hostFloats()) {
      store(t, values);
    }
  }

  /** Puts {@code values} into a contiguous I32 host tensor. */
  static void storeInts(Tensor t, int[] values) {
    System.arraycopy(values, 0, t.hostInts(), (int) t.offset(), values.length);
  }
}
