package dev.kernelj.llm.cli;

import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.GenerationRequest;
import dev.kernelj.llm.engine.GenerationStats;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kernelj generate --model DIR --prompt TEXT}: streams a continuation to stdout. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generate text from a prompt, streamed to stdout.")
public final class GenerateCommand implements Callable<Integer> {
  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  @Mixin private EngineMixin engineOptions;

  @Mixin private SamplingMixin sampling;

  @Option(
      names = "--prompt",
      required = true,
      paramLabel = "TEXT",
      description = "The prompt (BOS is added where the model wants it).")
  private String prompt;

  @Option(
      names = "--max-tokens",
      defaultValue = "128",
      paramLabel = "N",
      description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
  private int maxTokens;

  @Option(
      names = "--stop",
      paramLabel = "TEXT",
      description = "Stop when this text appears (repeatable).")
  private List<String> stop = List.of();

  @Option(
      names = "--stats",
      description =
          "Print timings to stderr at the end: speeds, time to first token, and where loading took its time.")
  private boolean stats;

  @Override
  public Integer call() {
    engineOptions.validate();
    sampling.validate();
    OptionChecks.atLeast(spec, "--max-tokens", maxTokens, 1);
    OptionChecks.require(
        spec, stop.stream().noneMatch(String::isEmpty), "--stop must not be an empty text");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (Engine engine = engineOptions.open(1, err)) {
      int[] ids = engine.tokenizer().encode(prompt, true);
      OptionChecks.require(
          spec,
          ids.length > 0,
          "--prompt encodes to no tokens: it is empty, or none of its characters is in the"
              + " model's vocabulary");
      OptionChecks.fitsContext(spec, engine, ids.length, "--prompt", maxTokens, "--max-tokens");
      GenerationRequest request =
          new GenerationRequest(ids, sampling.settings(), engine.stopConditions(maxTokens, stop));
      engine.generate(
          List.of(request),
          (sequence, text) -> {
            out.print(text);
            out.flush();
          });
      out.println();
      if (stats) {
        GenerationStats s = engine.lastStats();
        err.printf(
            Locale.ROOT,
            "%d prompt tokens, %d generated; prefill %.1f tok/s, decode %.1f tok/s, TTFT %.1f ms (%s)%n",
            s.promptTokens(),
            s.generatedTokens(),
            s.prefillTokensPerSecond(),
            s.decodeTokensPerSecondPerStream(),
            s.firstTokenNanos() / 1e6,
            engine.deviceName());
        err.println(engine.loadTimings().describe());
      }
    }
    return ExitCodes.OK;
  }
}
