package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;

/**
 * Argument checks of the launch code of the attention and sampling ops. Each failure is one {@link
 * IllegalArgumentException} that names the op and the argument, raised before any launch.
 */
public final class LaunchChecks {
  private LaunchChecks() {}

  /** {@code value >= 1}. */
  public static void positive(String op, String name, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(op + ": " + name + " must be >= 1, got " + value);
    }
  }

  /** {@code value >= 0}. */
  public static void nonNegative(String op, String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(op + ": " + name + " must be >= 0, got " + value);
    }
  }

  /** Both head counts positive and the kv heads dividing the query heads. */
  public static void heads(String op, int nHeads, int nKvHeads) {
    positive(op, "nHeads", nHeads);
    positive(op, "nKvHeads", nKvHeads);
    if (nHeads % nKvHeads != 0) {
      throw new IllegalArgumentException(
          op + ": nKvHeads " + nKvHeads + " must divide nHeads " + nHeads + " (GQA groups)");
    }
  }

  /** A non-null device pointer of the expected element type. */
  public static void pointer(String op, String name, ConstPtr<?> pointer, DType expected) {
    if (pointer == null) {
      throw new IllegalArgumentException(op + ": argument '" + name + "' is null");
    }
    if (pointer.dtype() != expected) {
      throw new IllegalArgumentException(
          op
              + ": argument '"
              + name
              + "' holds "
              + pointer.dtype()
              + " elements, expected "
              + expected);
    }
  }

  /** A Java array of exactly the expected length. */
  public static void length(String op, String name, long actual, long expected) {
    if (actual != expected) {
      throw new IllegalArgumentException(
          op + ": array '" + name + "' has " + actual + " elements, expected " + expected);
    }
  }

  /** A value that fits a kernel's int parameter. */
  public static int toInt(String op, String name, long value) {
    if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
      throw new IllegalArgumentException(
          op + ": " + name + " = " + value + " does not fit a 32-bit kernel argument");
    }
    return (int) value;
  }
}
