package dev.kernelj.llm.cli;

import dev.kernelj.llm.engine.SamplingSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Sampling options of {@code generate} and {@code chat}; temperature 0 is greedy. */
final class SamplingMixin {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

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

  /** Checks every value's range (a usage error naming the option). */
  void validate() {
    OptionChecks.require(
        command,
        Double.isFinite(temperature) && temperature >= 0,
        "--temperature must be 0 (greedy) or positive but is " + OptionChecks.show(temperature));
    OptionChecks.atLeast(command, "--top-k", topK, 0);
    OptionChecks.require(
        command,
        topP > 0 && topP <= 1,
        "--top-p must be in (0, 1] but is " + OptionChecks.show(topP));
    OptionChecks.require(
        command,
        minP >= 0 && minP < 1,
        "--min-p must be in [0, 1) but is " + OptionChecks.show(minP));
    OptionChecks.require(
        command,
        Double.isFinite(repetitionPenalty) && repetitionPenalty > 0,
        "--repetition-penalty must be positive but is " + OptionChecks.show(repetitionPenalty));
  }

  SamplingSettings settings() {
    return new SamplingSettings(temperature, topK, topP, minP, repetitionPenalty, seed);
  }
}
