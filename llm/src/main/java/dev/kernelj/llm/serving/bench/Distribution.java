package dev.kernelj.llm.serving.bench;

import java.util.Arrays;

/**
 * Mean, median and 99th percentile of a sample, as vLLM's serving benchmark reports them
 * (percentiles interpolated linearly between order statistics, numpy's default).
 *
 * @param count samples
 */
public record Distribution(int count, double mean, double median, double p99) {
  /** The distribution of {@code values[0, count)}; all zero for an empty sample. */
  public static Distribution of(double[] values, int count) {
    if (count == 0) {
      return new Distribution(0, 0, 0, 0);
    }
    double[] sorted = Arrays.copyOf(values, count);
    Arrays.sort(sorted);
    double sum = 0;
    for (double v : sorted) {
      sum += v;
    }
    return new Distribution(count, sum / count, percentile(sorted, 50), percentile(sorted, 99));
  }

  /** The {@code p}th percentile of ascending {@code sorted}, interpolated linearly. */
  static double percentile(double[] sorted, double p) {
    double rank = p / 100 * (sorted.length - 1);
    int lo = (int) Math.floor(rank);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
  }
}
