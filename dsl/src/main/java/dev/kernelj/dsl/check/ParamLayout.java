package dev.kernelj.dsl.check;

import java.util.Arrays;
import java.util.List;

/**
 * Where each kernel argument lives in the native parameter block: every argument at an offset
 * aligned to its own size, as the CUDA ABI lays out a {@code __global__} function's parameters.
 * Pointers take 8 bytes; scalars their {@code DType}'s size.
 */
public final class ParamLayout {
  private final int[] offsets;
  private final int[] sizes;
  private final int totalBytes;

  private ParamLayout(int[] offsets, int[] sizes, int totalBytes) {
    this.offsets = offsets;
    this.sizes = sizes;
    this.totalBytes = totalBytes;
  }

  /** The layout of these parameters, in order. */
  public static ParamLayout of(List<JavaParam> params) {
    int[] sizes = new int[params.size()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = sizeOf(params.get(i));
    }
    return ofSizes(sizes);
  }

  /** The layout for parameters of these byte sizes (each also its alignment). */
  public static ParamLayout ofSizes(int... sizes) {
    int[] offsets = new int[sizes.length];
    int at = 0;
    for (int i = 0; i < sizes.length; i++) {
      int size = sizes[i];
      if (size != 1 && size != 2 && size != 4 && size != 8) {
        throw new IllegalArgumentException(
            "parameter " + i + " has size " + size + "; only 1, 2, 4 and 8 are supported");
      }
      at = (at + size - 1) / size * size;
      offsets[i] = at;
      at += size;
    }
    int total = (at + 7) / 8 * 8;
    return new ParamLayout(offsets, sizes.clone(), Math.max(total, 8));
  }

  /** Bytes a parameter occupies: 8 for a pointer, else the scalar's size. */
  public static int sizeOf(JavaParam param) {
    if (param instanceof JavaParam.Pointer) {
      return 8;
    }
    if (param instanceof JavaParam.Scalar s) {
      return s.type().byteSize();
    }
    throw new IllegalArgumentException("unsupported parameter " + param.javaSpelling());
  }

  public int count() {
    return offsets.length;
  }

  public int offset(int index) {
    return offsets[index];
  }

  public int size(int index) {
    return sizes[index];
  }

  /** Size of the argument region, rounded up to 8 bytes. */
  public int totalBytes() {
    return totalBytes;
  }

  @Override
  public String toString() {
    return "ParamLayout"
        + Arrays.toString(offsets)
        + " sizes "
        + Arrays.toString(sizes)
        + " total "
        + totalBytes;
  }
}
