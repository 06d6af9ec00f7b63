package dev.kernelj.llm.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kernelj info --model DIR}: what a model directory holds and what it needs on the GPU. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description =
        "Describe a Hugging Face model directory: architecture, parameters, dtype, quantization, "
            + "shape, context, tokenizer, weight files and the GPU memory it needs.")
final class InfoCommand implements Callable<Integer> {
  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "Model directory (config.json, safetensors weights, tokenizer files).")
  private Path model;

  @Option(names = "--json", description = "Print JSON for scripts instead of text.")
  private boolean json;

  @Option(
      names = "--context",
      paramLabel = "N",
      description = "Tokens to size the KV cache for (default: the model's maximum context).")
  private Long context;

  @Override
  public Integer call() {
    if (context != null && context < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--context must be at least 1 but is " + context);
    }
    ModelSummary summary = ModelSummarizer.summarize(model, context == null ? 0 : context);
    spec.commandLine()
        .getOut()
        .print(
            json
                ? JsonOutput.toJson(summary) + System.lineSeparator()
                : ModelSummaryText.render(summary));
    return ExitCodes.OK;
  }
}
