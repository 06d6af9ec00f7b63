package dev.kernelj.llm.cli;

import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.bench.ServeWorkload;
import picocli.CommandLine.Option;

/** The options of {@code kernelj bench --serve}: the workload and the scheduler's limits. */
final class ServeBenchOptions {
  @Option(
      names = "--serve",
      description =
          "Benchmark serving: random prompts through the continuous-batching scheduler, vLLM's"
              + " serving metrics.")
  boolean serve;

  @Option(
      names = "--num-prompts",
      defaultValue = "1000",
      paramLabel = "N",
      description = "Requests to send (default: ${DEFAULT-VALUE}).")
  int numPrompts;

  @Option(
      names = "--input-len",
      defaultValue = "1024",
      paramLabel = "I",
      description =
          "Prompt tokens per request after the shared prefix (default: ${DEFAULT-VALUE}).")
  int inputLen;

  @Option(
      names = "--output-len",
      defaultValue = "128",
      paramLabel = "O",
      description = "Tokens generated per request, EOS ignored (default: ${DEFAULT-VALUE}).")
  int outputLen;

  @Option(
      names = "--range-ratio",
      defaultValue = "0",
      paramLabel = "R",
      description = "Lengths drawn uniformly within (1 -/+ R) of --input-len and --output-len.")
  double rangeRatio;

  @Option(
      names = "--request-rate",
      defaultValue = "inf",
      paramLabel = "RPS",
      description = "Poisson arrivals per second; inf sends every request at once (default).")
  String requestRate;

  @Option(
      names = "--max-concurrency",
      defaultValue = "0",
      paramLabel = "C",
      description = "Most requests in flight; 0 for no cap.")
  int maxConcurrency;

  @Option(
      names = "--prefix-len",
      defaultValue = "0",
      paramLabel = "P",
      description = "Random tokens every prompt starts with (a shared system prompt).")
  int prefixLen;

  @Option(
      names = "--seed",
      defaultValue = "0",
      paramLabel = "S",
      description = "Seeds prompts, lengths and arrivals.")
  long seed;

  @Option(
      names = "--max-num-seqs",
      defaultValue = "256",
      paramLabel = "N",
      description = "Most sequences in the running batch (default: ${DEFAULT-VALUE}).")
  int maxNumSeqs;

  @Option(
      names = "--max-num-batched-tokens",
      defaultValue = "2048",
      paramLabel = "T",
      description =
          "Tokens per scheduler step, decode rows and prefill chunks together (default:"
              + " ${DEFAULT-VALUE}).")
  int maxNumBatchedTokens;

  @Option(
      names = "--max-model-len",
      defaultValue = "0",
      paramLabel = "L",
      description = "Longest prompt + output (default: --max-context, else the longest request).")
  int maxModelLen;

  @Option(
      names = "--no-prefix-caching",
      description = "Compute every prompt in full instead of reusing cached KV blocks.")
  boolean noPrefixCaching;

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

  ServeWorkload workload() {
    return new ServeWorkload(
        numPrompts,
        inputLen,
        outputLen,
        rangeRatio,
        prefixLen,
        parseRate(requestRate),
        maxConcurrency,
        seed);
  }

  /** The scheduler's options on top of the engine mixin's. */
  ServingOptions options(ServingOptions.Builder base, ServeWorkload w) {
    ServingOptions shared = base.build();
    int len =
        maxModelLen > 0
            ? maxModelLen
            : shared.maxModelLen() > 0 ? shared.maxModelLen() : w.longestRequest();
    return base.maxModelLen(len)
        .maxNumSeqs(maxNumSeqs)
        .maxNumBatchedTokens(maxNumBatchedTokens)
        .prefixCaching(!noPrefixCaching)
        .blockSize(blockSize)
        .numKvBlocks(numKvBlocks)
        .maxWaiting(Math.max(numPrompts + 256, 10_000))
        .build();
  }

  static double parseRate(String text) {
    if (text.equalsIgnoreCase("inf")) {
      return Double.POSITIVE_INFINITY;
    }
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new dev.kernelj.llm.engine.EngineException(
          "--request-rate must be a number of requests per second or inf, got \"" + text + "\"");
    }
  }
}
