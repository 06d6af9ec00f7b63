package dev.kernelj.samples;

import java.io.PrintStream;

/**
 * Comparison helpers the samples share: the largest relative error against a reference, NaN never
 * passing.
 */
final class Check {
  private Check() {}

  /**
   * max |got - want| / max(|want|, 1) over all elements; NaN or a length mismatch gives +infinity.
   */
  static double maxRelativeError(float[] got, double[] want) {
    if (got.length != want.length) {
      return Double.POSITIVE_INFINITY;
    }
    double worst = 0;
    for (int i = 0; i < got.length; i++) {
      double err = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1.0);
      if (Double.isNaN(err)) {
        return Double.POSITIVE_INFINITY;
      }
      worst = Math.max(worst, err);
    }
    return worst;
  }

  static boolean report(PrintStream out, String what, double error, double tolerance) {
    boolean ok = error <= tolerance;
    out.printf(
        "  %-40s max rel. error %.2e (tolerance %.0e) %s%n",
        what, error, tolerance, ok ? "ok" : "MISMATCH");
    return ok;
  }

  static float[] random(java.util.Random rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = rng.nextFloat() * 2 - 1;
    }
    return v;
  }
}
