package dev.kernelj.llm.cli;

import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.GenerationRequest;
import dev.kernelj.llm.engine.GenerationStats;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.engine.StopConditions;
import dev.kernelj.llm.engine.TokenListener;
import dev.kernelj.llm.util.ByteSizes;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kernelj bench}: random prompts of a fixed length, greedy, no EOS, a warm-up round (kernels
 * loaded, CUDA graphs captured), then one measured round: prefill tok/s, decode tok/s per stream
 * and total, time to first token, weights and KV memory, and the device. With {@code --serve}, the
 * serving benchmark instead ({@link ServeBench}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Measure prefill and decode speed on random prompts; with --serve, serving through the"
            + " continuous-batching scheduler.")
public final class BenchCommand implements Callable<Integer> {
  /** More sequences than any step buffer or KV cache here would hold. */
  static final int MAX_BATCH = 4096;

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  @Mixin private EngineMixin engineOptions;

  @Mixin private ServeBenchOptions serveOptions;

  @Option(
      names = "--batch-size",
      defaultValue = "1",
      paramLabel = "N",
      description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
  private int batchSize;

  @Option(
      names = "--prompt-len",
      defaultValue = "128",
      paramLabel = "P",
      description = "Prompt tokens per sequence (default: ${DEFAULT-VALUE}).")
  private int promptLen;

  @Option(
      names = "--gen-len",
      defaultValue = "128",
      paramLabel = "G",
      description = "Tokens generated per sequence (default: ${DEFAULT-VALUE}).")
  private int genLen;

  @Option(names = "--json", description = "Print JSON for scripts.")
  private boolean json;

  @Override
  public Integer call() throws InterruptedException {
    engineOptions.validate();
    if (serveOptions.serve) {
      for (String staticOnly : new String[] {"--batch-size", "--prompt-len", "--gen-len"}) {
        OptionChecks.require(
            spec,
            !spec.commandLine().getParseResult().hasMatchedOption(staticOnly),
            staticOnly
                + " is for the static-batch bench; with --serve use --input-len, --output-len"
                + " and --max-num-seqs");
      }
      return ServeBench.run(
          engineOptions,
          serveOptions,
          spec,
          json,
          spec.commandLine().getOut(),
          spec.commandLine().getErr());
    }
    OptionChecks.within(spec, "--batch-size", batchSize, 1, MAX_BATCH);
    OptionChecks.atLeast(spec, "--prompt-len", promptLen, 1);
    OptionChecks.atLeast(spec, "--gen-len", genLen, 1);
    PrintWriter out = spec.commandLine().getOut();
    long openStart = System.nanoTime();
    try (Engine engine = engineOptions.open(batchSize, spec.commandLine().getErr())) {
      long openNanos = System.nanoTime() - openStart;
      OptionChecks.fitsContext(spec, engine, promptLen, "--prompt-len", genLen, "--gen-len");
      int vocab = engine.config().vocabSize();
      engine.generate(
          requests(vocab, Math.min(2, genLen), 1), TokenListener.NONE); // warm-up: kernels, graphs
      engine.generate(requests(vocab, Math.min(2, genLen), batchSize), TokenListener.NONE);
      engine.generate(requests(vocab, genLen, batchSize), TokenListener.NONE);
      GenerationStats s = engine.lastStats();
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("device", engine.deviceName());
      r.put("model", engineOptions.model.toString());
      r.put("dtype", engine.activation().toString());
      r.put("batch_size", batchSize);
      r.put("prompt_len", promptLen);
      r.put("gen_len", genLen);
      r.put("prefill_tok_s", s.prefillTokensPerSecond());
      r.put("decode_tok_s_per_stream", s.decodeTokensPerSecondPerStream());
      r.put("decode_tok_s_total", s.decodeTokensPerSecondTotal());
      r.put("ttft_ms", s.firstTokenNanos() / 1e6);
      r.put("weights_bytes", engine.weightBytes());
      r.put("kv_cache_bytes", engine.kvCacheBytes());
      r.put("kv_cache_tokens", engine.kvCacheTokens());
      r.put("load", engine.loadTimings().describe());
      r.put("load_s", openNanos / 1e9);
      if (json) {
        out.println(JsonOutput.toJson(r));
      } else {
        out.printf(
            java.util.Locale.ROOT,
            """
                        device            %s (%s)
                        batch x prompt    %d x %d, %d generated each
                        prefill           %.1f tok/s
                        decode            %.1f tok/s per stream, %.1f tok/s total
                        time to 1st token %.2f ms
                        weights           %s
                        KV cache          %s (%d tokens)
                        load              %.2f s
                        """,
            engine.deviceName(),
            engine.activation(),
            batchSize,
            promptLen,
            genLen,
            s.prefillTokensPerSecond(),
            s.decodeTokensPerSecondPerStream(),
            s.decodeTokensPerSecondTotal(),
            s.firstTokenNanos() / 1e6,
            ByteSizes.format(engine.weightBytes()),
            ByteSizes.format(engine.kvCacheBytes()),
            engine.kvCacheTokens(),
            openNanos / 1e9);
      }
    }
    return ExitCodes.OK;
  }

  private List<GenerationRequest> requests(int vocab, int tokens, int count) {
    Random random = new Random(42);
    List<GenerationRequest> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] prompt = random.ints(promptLen, 0, vocab).toArray();
      list.add(
          new GenerationRequest(
              prompt, SamplingSettings.greedy(), new StopConditions(tokens, Set.of(), List.of())));
    }
    return list;
  }
}
