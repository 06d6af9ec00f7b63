package dev.kernelj.llm.cli;

import dev.kernelj.llm.serving.ServingOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The continuous-batching scheduler's options, shared by {@code serve} and {@code bench --serve}
 * (vLLM's names): batch and step limits, the model length, prefix caching and the KV block pool.
 */
final class SchedulerOptions {
  @Option(
      names = "--max-num-seqs",
      defaultValue = "256",
      paramLabel = "N",
      description = "Most requests in the running batch; more wait (default: ${DEFAULT-VALUE}).")
  int maxNumSeqs;

  @Option(
      names = "--max-num-batched-tokens",
      defaultValue = "2048",
      paramLabel = "T",
      description =
          "Tokens per scheduler step, decode rows and prefill chunks together; at least"
              + " --max-num-seqs (default: ${DEFAULT-VALUE}).")
  int maxNumBatchedTokens;

  @Option(
      names = "--max-model-len",
      defaultValue = "0",
      paramLabel = "L",
      description =
          "Longest prompt + output of one request (default: --max-context, else the model's"
              + " at most 4096; bench --serve: else the longest request).")
  int maxModelLen;

  @Option(
      names = "--no-prefix-caching",
      description = "Compute every prompt in full instead of reusing cached KV blocks.")
  boolean noPrefixCaching;

  @Option(
      names = "--no-batch-invariance",
      description =
          "Let a request's output depend on the requests batched with it, for the faster"
              + " row-count-specific kernels (GEMV for few rows, cuBLAS's own choice above).")
  boolean noBatchInvariance;

  @Option(
      names = "--block-size",
      defaultValue = "16",
      paramLabel = "B",
      description = "Tokens per KV block (default: ${DEFAULT-VALUE}).")
  int blockSize;

  @Option(
      names = "--num-kv-blocks",
      defaultValue = "0",
      paramLabel = "N",
      description = "KV blocks in the pool; 0 sizes it from --gpu-memory-utilization.")
  int numKvBlocks;

  /**
   * Checks every value's range (a usage error naming the option), before anything is loaded.
   *
   * @param maxSequences the most sequences a step may hold
   */
  void validate(CommandSpec spec, int maxSequences) {
    OptionChecks.within(spec, "--max-num-seqs", maxNumSeqs, 1, maxSequences);
    OptionChecks.atLeast(spec, "--max-num-batched-tokens", maxNumBatchedTokens, maxNumSeqs);
    OptionChecks.atLeast(spec, "--max-model-len", maxModelLen, 0);
    OptionChecks.within(spec, "--block-size", blockSize, 1, 1024);
    OptionChecks.atLeast(spec, "--num-kv-blocks", numKvBlocks, 0);
  }

  /**
   * These options on {@code base} (the engine mixin's); the model length is {@code
   * --max-model-len}, else {@code base}'s ({@code --max-context}), else {@code otherwise} (0: the
   * model's).
   */
  ServingOptions.Builder apply(ServingOptions.Builder base, int otherwise) {
    int fromBase = base.build().maxModelLen();
    int len = maxModelLen > 0 ? maxModelLen : fromBase > 0 ? fromBase : otherwise;
    return base.maxModelLen(len)
        .maxNumSeqs(maxNumSeqs)
        .maxNumBatchedTokens(maxNumBatchedTokens)
        .prefixCaching(!noPrefixCaching)
        .batchInvariant(!noBatchInvariance)
        .blockSize(blockSize)
        .numKvBlocks(numKvBlocks);
  }
}
