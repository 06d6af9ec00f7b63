package dev.kernelj.llm.server;

import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.runtime.StandInEngine;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The command line of {@link HttpOverheadBench}: {@code --name value} pairs, each with a default
 * (the 1B shape's load: 500 prompts of 128/128 at once, 4 ms steps). With {@code --model DIR} the
 * engine is the real one on that model ({@code --device}, default cuda; {@code --max-model-len})
 * and the step options do not apply.
 */
record BenchOptions(
    int prompts,
    int inputLen,
    int outputLen,
    double rate,
    long seed,
    long stepMicros,
    long tokenNanos,
    StandInEngine.Wait waitMode,
    int rounds,
    String mode,
    int clientThreads,
    int maxNumSeqs,
    int maxNumBatchedTokens,
    Path tokenizer,
    String accessLog,
    Path model,
    Device device,
    int maxModelLen) {
  private static final Set<String> NAMES =
      Set.of(
          "prompts",
          "input-len",
          "output-len",
          "rate",
          "seed",
          "step-us",
          "token-ns",
          "wait",
          "rounds",
          "mode",
          "client-threads",
          "max-num-seqs",
          "max-num-batched-tokens",
          "tokenizer",
          "access-log",
          "model",
          "device",
          "max-model-len");

  static BenchOptions parse(String[] args) {
    Map<String, String> v = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      String name = args[i].startsWith("--") ? args[i].substring(2) : "";
      if (!NAMES.contains(name) || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "unknown option or missing value at `" + args[i] + "`; options: --" + NAMES);
      }
      v.put(name, args[i + 1]);
    }
    String rate = v.getOrDefault("rate", "inf");
    String mode = v.getOrDefault("mode", "both");
    if (!Set.of("both", "local", "http").contains(mode)) {
      throw new IllegalArgumentException("--mode must be both, local or http, not " + mode);
    }
    return new BenchOptions(
        Integer.parseInt(v.getOrDefault("prompts", "500")),
        Integer.parseInt(v.getOrDefault("input-len", "128")),
        Integer.parseInt(v.getOrDefault("output-len", "128")),
        rate.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(rate),
        Long.parseLong(v.getOrDefault("seed", "0")),
        Long.parseLong(v.getOrDefault("step-us", "4000")),
        Long.parseLong(v.getOrDefault("token-ns", "0")),
        StandInEngine.Wait.valueOf(v.getOrDefault("wait", "spin").toUpperCase(Locale.ROOT)),
        Integer.parseInt(v.getOrDefault("rounds", "3")),
        mode,
        Integer.parseInt(v.getOrDefault("client-threads", "2")),
        Integer.parseInt(v.getOrDefault("max-num-seqs", "256")),
        Integer.parseInt(v.getOrDefault("max-num-batched-tokens", "2048")),
        v.containsKey("tokenizer") ? Path.of(v.get("tokenizer")) : null,
        v.getOrDefault("access-log", "/dev/null"),
        v.containsKey("model") ? Path.of(v.get("model")) : null,
        Device.parse(v.getOrDefault("device", "cuda")),
        Integer.parseInt(v.getOrDefault("max-model-len", "0")));
  }

  /**
   * The scheduler's options; with {@code --model} also the device and the model length, as {@code
   * kernelj serve} and {@code bench --serve} take them.
   */
  ServingOptions serving() {
    ServingOptions.Builder b =
        ServingOptions.builder()
            .maxNumSeqs(maxNumSeqs)
            .maxNumBatchedTokens(maxNumBatchedTokens)
            .maxWaiting(Math.max(10_000, prompts));
    if (model != null) {
      b.device(device);
      if (maxModelLen > 0) {
        b.maxModelLen(maxModelLen);
      }
    }
    return b.build();
  }
}
