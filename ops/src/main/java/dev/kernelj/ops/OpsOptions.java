package dev.kernelj.ops;

/**
 * How a backend is opened ({@link Backends#cuda(int, OpsOptions)}).
 *
 * <p>{@code batchInvariant}: every op computes a row (a token, a sequence) in an order that does
 * not depend on how many rows share the call or what they hold, so a request's logits — and its
 * greedy or seeded tokens — are the same bits alone and in any batch. Off by default: the fastest
 * kernel for each batch size may sum in a different order (cuBLAS's split-K, the GEMV below {@link
 * Capabilities#maxGemvRows}, decode attention's partition size chosen from the batch). On, the CUDA
 * backend runs every matmul, one row or thousands, through one pinned cuBLASLt algorithm without a
 * k split per weight shape, and splits decode attention's context into partitions of a fixed {@code
 * decodePartitionTokens}. {@link Capabilities#batchInvariant} reports the mode; the reference
 * backend is invariant whatever the options say.
 *
 * @param batchInvariant whether results must not depend on the batch
 * @param gemmPlanRows the row count at which the invariant GEMM's algorithm is chosen (once per
 *     weight shape, then used for every row count): the batch whose speed matters most, e.g. the
 *     engine's usual decode batch
 * @param decodePartitionTokens tokens per partition of the invariant decode attention (a multiple
 *     of 16, 16 to 1024): smaller spreads short batches over more of the GPU, larger costs less
 *     merging in large batches
 */
public record OpsOptions(boolean batchInvariant, int gemmPlanRows, int decodePartitionTokens) {
  /** The default invariant GEMM plan row count, a large decode batch. */
  public static final int DEFAULT_GEMM_PLAN_ROWS = 256;

  /**
   * The default invariant decode partition: 8B-shaped models (8 kv heads) at context 4096 fill an
   * H200's 132 SMs with one sequence (16 partitions x 8 heads).
   */
  public static final int DEFAULT_DECODE_PARTITION_TOKENS = 256;

  public OpsOptions {
    if (gemmPlanRows < 1) {
      throw new IllegalArgumentException("gemmPlanRows " + gemmPlanRows + " must be >= 1");
    }
    if (decodePartitionTokens < 16
        || decodePartitionTokens > 1024
        || decodePartitionTokens % 16 != 0) {
      throw new IllegalArgumentException(
          "decodePartitionTokens "
              + decodePartitionTokens
              + " must be a multiple of 16 from 16 to 1024");
    }
  }

  /** The default: the fastest kernels for each batch, not batch-invariant. */
  public static OpsOptions defaults() {
    return new OpsOptions(false, DEFAULT_GEMM_PLAN_ROWS, DEFAULT_DECODE_PARTITION_TOKENS);
  }

  /** Batch-invariant kernels with the default plan row count and partition size. */
  public static OpsOptions batchInvariantMode() {
    return defaults().withBatchInvariant(true);
  }

  /** These options with batch invariance on or off. */
  public OpsOptions withBatchInvariant(boolean on) {
    return new OpsOptions(on, gemmPlanRows, decodePartitionTokens);
  }
}
