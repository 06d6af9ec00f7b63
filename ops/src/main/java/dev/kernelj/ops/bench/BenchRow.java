package dev.kernelj.ops.bench;

/**
 * One line of the benchmark: an op at a shape, its median time and rate, the fraction of this
 * card's measured ceiling it reaches, PyTorch's rate for the same shape (NaN where the baseline has
 * none), the rate of the same launch repeated back to back between one pair of events (how a
 * replayed decode step runs it; NaN where not measured), or the error that stopped the case.
 */
record BenchRow(
    String op,
    String shape,
    double micros,
    double rate,
    String unit,
    double fraction,
    double torchRate,
    String error,
    double backToBackMicros,
    double backToBackRate) {
  BenchRow(
      String op,
      String shape,
      double micros,
      double rate,
      String unit,
      double fraction,
      double torchRate,
      String error) {
    this(op, shape, micros, rate, unit, fraction, torchRate, error, Double.NaN, Double.NaN);
  }

  static BenchRow failed(String op, String shape, String error) {
    return new BenchRow(op, shape, Double.NaN, Double.NaN, "", Double.NaN, Double.NaN, error);
  }

  /** Our rate over PyTorch's, NaN without a PyTorch figure. */
  double vsTorch() {
    return rate / torchRate;
  }
}
