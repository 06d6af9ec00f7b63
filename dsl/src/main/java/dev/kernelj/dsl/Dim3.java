package dev.kernelj.dsl;

/** A CUDA grid or block extent. Every component is at least 1. */
public record Dim3(int x, int y, int z) {
  public Dim3 {
    if (x < 1 || y < 1 || z < 1) {
      throw new IllegalArgumentException(
          "every extent must be >= 1, got (" + x + ", " + y + ", " + z + ")");
    }
  }

  public static Dim3 of(int x) {
    return new Dim3(x, 1, 1);
  }

  public static Dim3 of(int x, int y) {
    return new Dim3(x, y, 1);
  }

  public static Dim3 of(int x, int y, int z) {
    return new Dim3(x, y, z);
  }

  /** x * y * z, as a long so that grids near the limits do not overflow. */
  public long volume() {
    return (long) x * y * z;
  }
}
