package dev.kernelj.llm.cli;

import dev.kernelj.llm.engine.Engine;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Range checks of option values, made before anything is loaded: a value out of range is a usage
 * error (exit code 2) naming the option, never a failure later in the engine.
 */
final class OptionChecks {
  private static final Set<String> DEVICES = Set.of("cuda", "cpu", "auto");
  private static final Set<String> DTYPES =
      Set.of("bf16", "bfloat16", "f16", "fp16", "float16", "f32", "fp32", "float32");

  private OptionChecks() {}

  /** Fails with {@code message} as a usage error of {@code spec}'s command unless {@code ok}. */
  static void require(CommandSpec spec, boolean ok, String message) {
    if (!ok) {
      throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }

  /** {@code option} must be at least {@code min}. */
  static void atLeast(CommandSpec spec, String option, long value, long min) {
    require(spec, value >= min, option + " must be at least " + min + " but is " + value);
  }

  /** {@code option} must be within {@code [min, max]}. */
  static void within(CommandSpec spec, String option, long value, long min, long max) {
    require(
        spec,
        value >= min && value <= max,
        option + " must be " + min + " to " + max + " but is " + value);
  }

  /** {@code --device} must be cuda, cpu or auto. */
  static void device(CommandSpec spec, String device) {
    require(
        spec,
        DEVICES.contains(device.strip().toLowerCase(Locale.ROOT)),
        "--device must be cuda, cpu or auto but is \"" + device + "\"");
  }

  /** {@code --dtype}, when given, must name bf16, f16 or f32. */
  static void dtype(CommandSpec spec, String dtype) {
    require(
        spec,
        dtype == null || DTYPES.contains(dtype.toLowerCase(Locale.ROOT)),
        "--dtype must be bf16, f16 or f32 but is \"" + dtype + "\"");
  }

  /** {@code --gpu-memory-utilization} must be in (0, 1]. */
  static void memoryFraction(CommandSpec spec, double fraction) {
    require(
        spec,
        fraction > 0 && fraction <= 1,
        "--gpu-memory-utilization must be in (0, 1] but is " + show(fraction));
  }

  /**
   * A prompt of {@code promptTokens} plus {@code newTokens} more must fit the engine's context;
   * otherwise a usage error naming the two options and what would fit.
   */
  static void fitsContext(
      CommandSpec spec,
      Engine engine,
      int promptTokens,
      String promptOption,
      long newTokens,
      String newOption) {
    int context = engine.maxContext();
    int modelMax = engine.config().maxPositionEmbeddings();
    String raise =
        context < modelMax ? " or raise --max-context (the model allows " + modelMax + ")" : "";
    require(
        spec,
        promptTokens < context,
        promptOption
            + " is "
            + promptTokens
            + " tokens but the context holds "
            + context
            + " with room for at least one more; shorten it"
            + raise);
    require(
        spec,
        promptTokens + newTokens <= context,
        promptOption
            + " ("
            + promptTokens
            + " tokens) + "
            + newOption
            + " "
            + newTokens
            + " exceed the context of "
            + context
            + " tokens; lower "
            + newOption
            + " to "
            + (context - promptTokens)
            + raise);
  }

  /** A number as the user would write it back (no trailing ".0" on whole numbers). */
  static String show(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%s", value);
  }
}
