package dev.kernelj.llm.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code kernelj} command line. Subcommands live in their own files (one class each,
 * implementing {@code Callable<Integer>} and returning {@link ExitCodes#OK}); to add one, list its
 * class in {@code subcommands} below. Subcommands throw on failure: {@link ErrorReporter} prints
 * one line and picks the exit code, and {@code --debug} (accepted before or after the subcommand)
 * adds the stack trace.
 */
@Command(
    name = "kernelj",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Type-safe CUDA for Java, and an LLM runtime built on it.",
    subcommands = {
      InfoCommand.class,
      GenerateCommand.class,
      ChatCommand.class,
      BenchCommand.class,
      LogitsCommand.class,
      ServeCommand.class,
      CommandLine.HelpCommand.class,
    })
public final class KernelJ implements Runnable {
  private boolean debug;

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  /** Shows stack traces of errors; inherited by every subcommand. */
  @Option(
      names = "--debug",
      scope = ScopeType.INHERIT,
      description = "Show stack traces of errors.")
  void setDebug(boolean debug) {
    this.debug = debug;
  }

  /** Whether {@code --debug} was given. */
  boolean debug() {
    return debug;
  }

  @Override
  public void run() {
    // No subcommand: show what there is.
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Entry point of the {@code kernelj} launcher. */
  public static void main(String[] args) {
    ConsoleInput.recordProcessStdin(System.in);
    System.exit(
        execute(Utf8Arguments.of(args), StandardStreams.stdout(), StandardStreams.stderr()));
  }

  /**
   * Runs the command line {@code args} writing to {@code out} and {@code err}; returns the exit
   * code.
   */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    KernelJ root = new KernelJ();
    CommandLine commandLine = new CommandLine(root);
    ErrorReporter reporter = new ErrorReporter(root::debug);
    ExitCodes.document(commandLine);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExecutionExceptionHandler(reporter);
    commandLine.setParameterExceptionHandler(reporter);
    commandLine.registerConverter(Path.class, new PathConverter());
    CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
    commandLine.setExecutionStrategy(
        parseResult -> {
          try {
            return runLast.execute(parseResult);
          } catch (OutputFailure e) {
            // --help or --version could not be written: picocli would print a stack trace for an
            // exception outside a command, so hand it to the reporter as a command's failure.
            throw new CommandLine.ExecutionException(commandLine, e.getMessage(), e);
          }
        });
    int code;
    try {
      code = commandLine.execute(args);
      out.flush();
    } catch (OutputFailure | Error e) {
      // Standard output failed outside a command (help, version, the last flush), or the JVM ran
      // out of memory or stack: still one line and an exit code.
      err.println("kernelj: error: " + ErrorReporter.message(e));
      code = e instanceof OutputFailure ? ExitCodes.IO_ERROR : ExitCodes.INTERNAL_ERROR;
      if (root.debug()) {
        e.printStackTrace(err);
      }
    }
    err.flush();
    return code;
  }
}
