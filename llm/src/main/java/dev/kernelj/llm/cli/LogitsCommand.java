package dev.kernelj.llm.cli;

import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.LogitsTrace;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kernelj logits --model DIR --ids 1,2,3 [--steps K] --out FILE}: writes float32
 * little-endian logits, one row of {@code vocab} values per position (the prompt's positions, then
 * K greedy decode steps), and prints the greedy ids (argmax of the last prompt row and of each
 * decode row, K + 1 ids) comma-separated on stdout. A parity check against any other implementation
 * feeds it {@code ids + greedy[0..K)}.
 */
@Command(
    name = "logits",
    mixinStandardHelpOptions = true,
    description =
        "Write the logits of a prompt and of greedy decode steps (float32 LE, one row of vocab per position); print the greedy ids.")
public final class LogitsCommand implements Callable<Integer> {
  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  @Mixin private EngineMixin engineOptions;

  @Option(
      names = "--ids",
      required = true,
      split = ",",
      paramLabel = "ID,ID,...",
      description = "Prompt token ids.")
  private int[] ids;

  @Option(
      names = "--steps",
      defaultValue = "0",
      paramLabel = "K",
      description = "Greedy decode steps after the prompt (default: ${DEFAULT-VALUE}).")
  private int steps;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE",
      description = "Where to write the logits.")
  private Path out;

  @Override
  public Integer call() {
    engineOptions.validate();
    OptionChecks.atLeast(spec, "--steps", steps, 0);
    OptionChecks.require(spec, ids.length > 0, "--ids must list at least one token id");
    PrintWriter err = spec.commandLine().getErr();
    LogitsTrace trace;
    String device;
    try (OutputTarget target = OutputTarget.prepare(spec, "--out", out, engineOptions.model);
        Engine engine = engineOptions.open(1, err)) {
      for (int id : ids) {
        OptionChecks.require(
            spec,
            id >= 0 && id < engine.config().vocabSize(),
            "--ids: id "
                + id
                + " is outside the vocabulary [0, "
                + engine.config().vocabSize()
                + ")");
      }
      OptionChecks.fitsContext(spec, engine, ids.length, "--ids", steps, "--steps");
      LogitsTrace recorded = engine.logits(ids, steps);
      target.write(os -> write(recorded, os));
      trace = recorded;
      device = engine.deviceName();
    }
    spec.commandLine()
        .getOut()
        .println(
            Arrays.stream(trace.greedyIds())
                .mapToObj(Integer::toString)
                .collect(Collectors.joining(",")));
    err.println(
        "kernelj: wrote "
            + trace.rowCount()
            + " x "
            + trace.vocab()
            + " float32 logits to "
            + out
            + " ("
            + device
            + ")");
    return ExitCodes.OK;
  }

  private static void write(LogitsTrace trace, OutputStream os) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : trace.rows()) {
      if (!buffer.hasRemaining()) {
        os.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      buffer.putFloat(v);
    }
    os.write(buffer.array(), 0, buffer.position());
  }
}
