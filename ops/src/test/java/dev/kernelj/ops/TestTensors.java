package dev.kernelj.ops;

import static org.junit.jupiter.api.Assertions.fail;

import dev.kernelj.dsl.DType;
import java.util.SplittableRandom;

/** Random inputs and tolerance checks shared by the op tests. */
public final class TestTensors {
  private TestTensors() {}

  public static Tensor random(SplittableRandom random, DType dtype, float scale, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextDouble(-1, 1) * scale);
    }
    return Tensor.fromFloats(dtype, v, shape);
  }

  /** Relative tolerance per output dtype (the issue's: f32 ~1e-5, f16/bf16 ~1e-2). */
  public static double rtol(DType t) {
    return t == DType.F32 ? 1e-5 : 1e-2;
  }

  /**
   * Every element within {@code atol + rtol * |expected|}; NaN only where NaN is expected. {@code
   * atol} is scaled by the caller to the problem (e.g. the magnitude of a dot product's terms).
   */
  public static void assertClose(
      String what, double[] expected, float[] actual, double rtol, double atol) {
    if (expected.length != actual.length) {
      fail(what + ": " + actual.length + " values, expected " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      float a = actual[i];
      if (Double.isNaN(e) != Float.isNaN(a)) {
        fail(what + ": element " + i + " is " + a + ", expected " + e);
      }
      if (Double.isNaN(e)) {
        continue;
      }
      double err = Math.abs(a - e);
      if (!(err <= atol + rtol * Math.abs(e))) {
        fail(
            what
                + ": element "
                + i
                + " is "
                + a
                + ", expected "
                + e
                + " (error "
                + err
                + " > "
                + (atol + rtol * Math.abs(e))
                + ")");
      }
    }
  }

  public static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
