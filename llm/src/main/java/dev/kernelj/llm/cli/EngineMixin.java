package dev.kernelj.llm.cli;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.engine.ContextBeyondModelException;
import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.util.ConsoleProgressBar;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every engine-backed subcommand shares: model, device and memory. */
final class EngineMixin {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "Model directory (config.json, safetensors weights, tokenizer files).")
  Path model;

  @Option(
      names = "--device",
      defaultValue = "auto",
      paramLabel = "cuda|cpu|auto",
      description =
          "Where to run; auto falls back to the CPU reference backend when no GPU is usable (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(
      names = "--gpu-memory-utilization",
      defaultValue = "0.9",
      paramLabel = "F",
      description =
          "Most of the GPU's memory that weights, buffers and the KV cache may take (default: ${DEFAULT-VALUE});"
              + " the KV cache holds what the batch and context need within it.")
  double gpuMemoryUtilization;

  @Option(
      names = "--max-context",
      defaultValue = "0",
      paramLabel = "N",
      description = "Tokens per sequence the KV cache holds (default: the model's, at most 4096).")
  int maxContext;

  @Option(
      names = "--dtype",
      paramLabel = "bf16|f16|f32",
      description = "Activation and KV-cache dtype (default: bf16 on CUDA, f32 on the CPU).")
  String dtype;

  @Option(
      names = "--no-cuda-graphs",
      description = "Run decode steps eagerly instead of replaying CUDA graphs.")
  boolean noCudaGraphs;

  /** Checks every value's range (a usage error naming the option), before anything is loaded. */
  void validate() {
    OptionChecks.require(
        command, !model.toString().isEmpty(), "--model must name the model directory");
    OptionChecks.device(command, device);
    OptionChecks.dtype(command, dtype);
    OptionChecks.memoryFraction(command, gpuMemoryUtilization);
    OptionChecks.atLeast(command, "--max-context", maxContext, 0);
  }

  /**
   * Opens the engine for {@code maxBatch} sequences, drawing a progress bar on stderr and notes on
   * {@code err}.
   */
  Engine open(int maxBatch, PrintWriter err) {
    validate();
    EngineOptions options =
        EngineOptions.defaults()
            .withDevice(Device.parse(device))
            .withGpuMemoryUtilization(gpuMemoryUtilization)
            .withMaxContext(maxContext)
            .withMaxBatch(maxBatch)
            .withActivation(parseDtype(dtype))
            .withCudaGraphs(!noCudaGraphs)
            .withProgress(ConsoleProgressBar.forStderr("loading " + model.getFileName(), false))
            .withNotes(
                note -> {
                  err.println("kernelj: note: " + note);
                  err.flush();
                });
    try {
      return Engine.open(model, options);
    } catch (ContextBeyondModelException e) {
      throw new CommandLine.ParameterException(
          command.commandLine(),
          "--max-context "
              + e.requested()
              + " exceeds the model's "
              + e.modelMax()
              + " positions (max_position_embeddings); lower it to "
              + e.modelMax()
              + " or leave it out");
    }
  }

  /** The shared options as serving options (device, memory, dtype, graphs, progress, notes). */
  ServingOptions.Builder serving(PrintWriter err) {
    return ServingOptions.builder()
        .device(Device.parse(device))
        .gpuMemoryUtilization(gpuMemoryUtilization)
        .maxModelLen(maxContext)
        .activation(parseDtype(dtype))
        .cudaGraphs(!noCudaGraphs)
        .progress(ConsoleProgressBar.forStderr("loading " + model.getFileName(), false))
        .notes(
            note -> {
              err.println("kernelj: note: " + note);
              err.flush();
            });
  }

  static DType parseDtype(String text) {
    if (text == null) {
      return null;
    }
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "bf16", "bfloat16" -> DType.BF16;
      case "f16", "fp16", "float16" -> DType.F16;
      case "f32", "fp32", "float32" -> DType.F32;
      default ->
          throw new dev.kernelj.llm.engine.EngineException(
              "unknown --dtype \"" + text + "\"; use bf16, f16 or f32");
    };
  }
}
