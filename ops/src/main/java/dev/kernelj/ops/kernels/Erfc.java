package dev.kernelj.ops.kernels;

/**
 * The complementary error function in double, which {@link Math} lacks: a series for small |x|, a
 * continued fraction for large |x|, both taken to double precision. Used by the exact-GELU
 * reference, so that it needs no approximation the CUDA side does not make.
 */
final class Erfc {
  private Erfc() {}

  private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

  static double erfc(double x) {
    if (Double.isNaN(x)) {
      return x;
    }
    if (x < 0) {
      return 2.0 - erfc(-x);
    }
    if (x < 2.0) {
      return 1.0 - erfSeries(x);
    }
    if (x > 27.0) {
      return 0.0; // below the smallest double
    }
    return erfcContinuedFraction(x);
  }

  /**
   * erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)); fine for |x| < 2 (terms shrink
   * fast).
   */
  private static double erfSeries(double x) {
    double term = x;
    double sum = x;
    double x2 = x * x;
    for (int n = 1; n < 100; n++) {
      term *= -x2 / n;
      double add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
        break;
      }
    }
    return TWO_OVER_SQRT_PI * sum;
  }

  /**
   * erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated
   * with the modified Lentz method.
   */
  private static double erfcContinuedFraction(double x) {
    double tiny = 1e-300;
    double f = x;
    double c = x;
    double d = 0;
    for (int k = 1; k < 500; k++) {
      double a = k * 0.5;
      d = x + a * d;
      d = 1.0 / (Math.abs(d) < tiny ? tiny : d);
      c = x + a / c;
      if (Math.abs(c) < tiny) {
        c = tiny;
      }
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1.0) < 1e-16) {
        break;
      }
    }
    return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
  }
}
