package dev.kernelj.llm.cli;

import dev.kernelj.llm.engine.EngineException;
import dev.kernelj.llm.tokenizer.TokenizerFormatException;
import dev.kernelj.llm.util.ModelFormatException;
import dev.kernelj.ops.OpArgumentException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;

/**
 * The one place that turns failures into what the user sees: a single line on stderr starting with
 * {@code kernelj: error:}, and an exit code from {@link ExitCodes}. With {@code --debug} the stack
 * trace follows. Subcommands just throw; they never print errors or pick exit codes themselves.
 */
final class ErrorReporter
    implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
  private final BooleanSupplier debug;

  ErrorReporter(BooleanSupplier debug) {
    this.debug = debug;
  }

  @Override
  public int handleExecutionException(
      Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    PrintWriter err = commandLine.getErr();
    int code = exitCode(e);
    err.println("kernelj: error: " + message(e));
    if (debug.getAsBoolean()) {
      e.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  @Override
  public int handleParseException(CommandLine.ParameterException e, String[] args) {
    CommandLine commandLine = e.getCommandLine();
    PrintWriter err = commandLine.getErr();
    String command = commandLine.getCommandSpec().qualifiedName();
    err.println(
        "kernelj: error: " + singleLine(e.getMessage()) + " (see '" + command + " --help')");
    if (debug.getAsBoolean()) {
      e.printStackTrace(err);
    }
    err.flush();
    return ExitCodes.USAGE;
  }

  static int exitCode(Throwable e) {
    if (isBadInput(e)) {
      return ExitCodes.BAD_INPUT;
    }
    if (e instanceof IOException || e instanceof UncheckedIOException) {
      return ExitCodes.IO_ERROR;
    }
    return ExitCodes.INTERNAL_ERROR;
  }

  static String message(Throwable e) {
    if (isBadInput(e)) {
      return singleLine(e.getMessage());
    }
    if (e instanceof IOException || e instanceof UncheckedIOException) {
      Throwable io = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
      return "I/O failure: " + io.getClass().getSimpleName() + ": " + singleLine(io.getMessage());
    }
    return "internal error: "
        + e.getClass().getName()
        + (e.getMessage() == null ? "" : ": " + singleLine(e.getMessage()))
        + " (rerun with --debug for the stack trace and please report it)";
  }

  /**
   * Errors whose message already says what is wrong and where (the file and field, the op and
   * argument, what would fit): shown as they are.
   */
  private static boolean isBadInput(Throwable e) {
    return e instanceof ModelFormatException
        || e instanceof TokenizerFormatException
        || e instanceof EngineException
        || e instanceof OpArgumentException;
  }

  private static String singleLine(String text) {
    return text == null ? "" : text.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
