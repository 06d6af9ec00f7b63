package dev.kernelj.ops.kernels.attention;

/** Attention written the plain way in float64: the scores matrix, a mask, softmax, times V. */
final class NaiveAttention {
  private NaiveAttention() {}

  /** One head: q [sq][d], k and v [skv][d]; causal masks keys j > i + (skv - sq). */
  static double[][] head(double[][] q, double[][] k, double[][] v, boolean causal, double scale) {
    return head(q, k, v, causal, scale, 0);
  }

  /**
   * One head with a sliding window: with {@code window > 0} query i (at position p = i + skv - sq)
   * also masks keys j <= p - window.
   */
  static double[][] head(
      double[][] q, double[][] k, double[][] v, boolean causal, double scale, int window) {
    int sq = q.length;
    int skv = k.length;
    int d = q[0].length;
    double[][] out = new double[sq][d];
    for (int i = 0; i < sq; i++) {
      double[] s = new double[skv];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < skv; j++) {
        if (causal && j > i + (skv - sq) || window > 0 && j <= i + (skv - sq) - window) {
          s[j] = Double.NEGATIVE_INFINITY;
          continue;
        }
        for (int e = 0; e < d; e++) {
          s[j] += q[i][e] * k[j][e];
        }
        s[j] *= scale;
        max = Math.max(max, s[j]);
      }
      double z = 0;
      for (int j = 0; j < skv; j++) {
        s[j] = Math.exp(s[j] - max);
        z += s[j];
      }
      for (int j = 0; j < skv; j++) {
        for (int e = 0; e < d; e++) {
          out[i][e] += s[j] / z * v[j][e];
        }
      }
    }
    return out;
  }

  static double maxRelativeError(float[] actual, double[] expected) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < actual.length; i++) {
      if (Float.isNaN(actual[i])) {
        return Double.NaN;
      }
      num += (actual[i] - expected[i]) * (actual[i] - expected[i]);
      den += expected[i] * expected[i];
    }
    return Math.sqrt(num / Math.max(den, 1e-300));
  }

  static float[] random(java.util.Random rng, long n) {
    float[] a = new float[(int) n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rng.nextGaussian();
    }
    return a;
  }
}
