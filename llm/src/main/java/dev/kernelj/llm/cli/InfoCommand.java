package dev.kernelj.llm.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kernelj info --model DIR}: what a model directory holds and what it needs in memory, and
 * whether the engine can run it: the checks are those opening the model makes (minus uploading the
 * weights), so {@code info} exits with the code {@code generate} or {@code logits} would.
 */
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
      names = "--device",
      defaultValue = "auto",
      paramLabel = "cuda|cpu|auto",
      description =
          "Estimate memory for this device: cuda and auto as on a GPU (weights as stored, bf16 KV"
              + " cache), cpu for the reference backend (every value f32) (default: ${DEFAULT-VALUE}).")
  private String device;

  @Option(
      names = "--context",
      paramLabel = "N",
      description = "Tokens to size the KV cache for (default: the model's maximum context).")
  private Long context;

  @Override
  public Integer call() {
    if (context != null) {
      OptionChecks.atLeast(spec, "--context", context, 1);
      OptionChecks.within(spec, "--context", context, 1, Integer.MAX_VALUE);
    }
    String where = device.strip().toLowerCase(Locale.ROOT);
    OptionChecks.require(
        spec,
        where.equals("cuda") || where.equals("cpu") || where.equals("auto"),
        "--device must be cuda, cpu or auto but is \"" + device + "\"");
    ModelSummarizer.Result result =
        ModelSummarizer.summarize(model, context == null ? 0 : context, where.equals("cpu"));
    spec.commandLine()
        .getOut()
        .print(
            json
                ? JsonOutput.toJson(result.summary()) + System.lineSeparator()
                : ModelSummaryText.render(result.summary()));
    if (result.problem() != null) {
      // The description stands; the model is still one the engine would refuse.
      spec.commandLine().getOut().flush();
      throw result.problem();
    }
    return ExitCodes.OK;
  }
}
