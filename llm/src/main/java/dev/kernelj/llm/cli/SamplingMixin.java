package dev.kernelj.llm.cli;

import dev.kernelj.llm.engine.SamplingSettings;
import picocli.CommandLine.Option;

/** Sampling options of {@code generate} and {@code chat}; temperature 0 is greedy. */
final class SamplingMixin {
  @Option(
      names = "--temperature",
      defaultValue = "0",
      paramLabel = "T",
      description = "0 for greedy (default: ${DEFAULT-VALUE}).")
  double temperature;

  @Option(
      names = "--top-k",
      defaultValue = "0",
      paramLabel = "K",
      description = "Keep the K most likely tokens; 0 for all.")
  int topK;

  @Option(
      names = "--top-p",
      defaultValue = "1",
      paramLabel = "P",
      description = "Nucleus mass; 1 for all.")
  double topP;

  @Option(
      names = "--min-p",
      defaultValue = "0",
      paramLabel = "P",
      description = "Drop tokens below P x p(best); 0 for none.")
  double minP;

  @Option(
      names = "--repetition-penalty",
      defaultValue = "1",
      paramLabel = "R",
      description = "1 for none.")
  double repetitionPenalty;

  @Option(
      names = "--seed",
      defaultValue = "0",
      paramLabel = "N",
      description = "Random seed of the draw.")
  long seed;

  SamplingSettings settings() {
    return new SamplingSettings(temperature, topK, topP, minP, repetitionPenalty, seed);
  }
}
