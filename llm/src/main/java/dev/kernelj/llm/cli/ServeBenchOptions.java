package dev.kernelj.llm.cli;

import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.bench.ServeWorkload;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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

  @Mixin SchedulerOptions scheduler;

  ServeWorkload workload(CommandSpec spec) {
    return new ServeWorkload(
        numPrompts,
        inputLen,
        outputLen,
        rangeRatio,
        prefixLen,
        parseRate(spec, requestRate),
        maxConcurrency,
        seed);
  }

  /** The scheduler's options on top of the engine mixin's. */
  ServingOptions options(ServingOptions.Builder base, ServeWorkload w) {
    return scheduler
        .apply(base, w.longestRequest())
        .maxWaiting(Math.max(numPrompts + 256, 10_000))
        .build();
  }

  /**
   * Checks every value's range (a usage error naming the option), before anything is loaded.
   *
   * @param maxSequences the most sequences a step may hold
   */
  void validate(CommandSpec spec, int maxSequences) {
    OptionChecks.atLeast(spec, "--num-prompts", numPrompts, 1);
    OptionChecks.atLeast(spec, "--input-len", inputLen, 1);
    OptionChecks.atLeast(spec, "--output-len", outputLen, 1);
    OptionChecks.require(
        spec,
        rangeRatio >= 0 && rangeRatio < 1,
        "--range-ratio must be in [0, 1) but is " + OptionChecks.show(rangeRatio));
    parseRate(spec, requestRate);
    OptionChecks.atLeast(spec, "--max-concurrency", maxConcurrency, 0);
    OptionChecks.atLeast(spec, "--prefix-len", prefixLen, 0);
    scheduler.validate(spec, maxSequences);
  }

  /** Requests per second, {@code inf} for all at once; a usage error unless a number above 0. */
  static double parseRate(CommandSpec spec, String text) {
    if (text.equalsIgnoreCase("inf")) {
      return Double.POSITIVE_INFINITY;
    }
    double rate;
    try {
      rate = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      rate = Double.NaN;
    }
    OptionChecks.require(
        spec,
        rate > 0,
        "--request-rate must be a number of requests per second above 0, or inf, but is \""
            + text
            + "\"");
    return rate;
  }
}
