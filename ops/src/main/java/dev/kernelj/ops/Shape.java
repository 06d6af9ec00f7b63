package dev.kernelj.ops;

import java.util.Arrays;

/** The extents of a tensor, outermost first. Immutable; a rank-0 shape holds one element. */
public final class Shape {
  private final int[] dims;

  private Shape(int[] dims) {
    this.dims = dims;
  }

  /** A shape of these extents; every extent must be >= 0. */
  public static Shape of(int... dims) {
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(dims) + " has a negative extent at dim " + i);
      }
    }
    return new Shape(dims.clone());
  }

  public int rank() {
    return dims.length;
  }

  /** Extent of dim {@code i}; negative {@code i} counts from the end (-1 is the last dim). */
  public int dim(int i) {
    return dims[i < 0 ? dims.length + i : i];
  }

  public int[] toArray() {
    return dims.clone();
  }

  /** Number of elements: the product of the extents. */
  public long numel() {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }

  /** The product of all extents but the last: the number of rows when viewed as a matrix. */
  public long rows() {
    long n = 1;
    for (int i = 0; i < dims.length - 1; i++) {
      n *= dims[i];
    }
    return n;
  }

  /** Row-major (C order) strides in elements. */
  public long[] contiguousStrides() {
    long[] strides = new long[dims.length];
    long s = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= dims[i];
    }
    return strides;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** {@code [2, 4096]}. */
  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
