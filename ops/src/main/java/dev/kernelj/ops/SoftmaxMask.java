package dev.kernelj.ops;

/**
 * Which leading columns of each softmax row stay; the rest become 0. See {@link
 * dev.kernelj.ops.kernels.Softmax} for the exact rule.
 *
 * @param causalQueries 0 for no causal mask; else rows are blocks of this many queries
 * @param causalOffset key position of the first query of each block (the tokens already cached)
 * @param lengths null, or i32 {@code [rows / rowsPerLength]}: valid columns per sequence
 * @param rowsPerLength rows that share one length (e.g. heads x queries of a sequence)
 */
public record SoftmaxMask(int causalQueries, int causalOffset, Tensor lengths, int rowsPerLength) {
  public SoftmaxMask {
    if (causalQueries < 0 || causalOffset < 0 || rowsPerLength < 1) {
      throw new IllegalArgumentException(
          "softmax mask: causalQueries "
              + causalQueries
              + ", causalOffset "
              + causalOffset
              + " must be >= 0 and rowsPerLength "
              + rowsPerLength
              + " >= 1");
    }
  }

  /** Every column stays. */
  public static SoftmaxMask none() {
    return new SoftmaxMask(0, 0, null, 1);
  }

  /**
   * Row r is query {@code r % queries} at key position {@code offset + r % queries}; it sees keys
   * up to that position.
   */
  public static SoftmaxMask causal(int queries, int offset) {
    return new SoftmaxMask(queries, offset, null, 1);
  }

  /** Row r keeps {@code lengths[r / rowsPerLength]} columns. */
  public static SoftmaxMask lengths(Tensor lengths, int rowsPerLength) {
    return new SoftmaxMask(0, 0, lengths, rowsPerLength);
  }

  /** This mask further limited by per-sequence lengths. */
  public SoftmaxMask withLengths(Tensor lengths, int rowsPerLength) {
    return new SoftmaxMask(causalQueries, causalOffset, lengths, rowsPerLength);
  }
}
