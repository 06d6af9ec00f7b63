package dev.kernelj.llm.cli;

import dev.kernelj.llm.chat.ChatTemplateException;
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
    if (isBadInput(e) || e instanceof OutputFailure) {
      return singleLine(e.getMessage());
    }
    if (e instanceof IOException || e instanceof UncheckedIOException) {
      IOException io =
          e instanceof UncheckedIOException unchecked ? unchecked.getCause() : (IOException) e;
      return "I/O failure: " + describe(io);
    }
    if (e instanceof OutOfMemoryError) {
      return "out of memory (the Java heap is full; raise it with -Xmx or use a smaller model)";
    }
    if (e instanceof StackOverflowError) {
      return "internal error: a stack overflow (rerun with --debug for the stack trace and please"
          + " report it)";
    }
    String detail = e.getMessage() == null ? "an unexpected failure" : singleLine(e.getMessage());
    return "internal error: "
        + detail
        + " (rerun with --debug for the stack trace and please report it)";
  }

  /** An I/O failure in words: the file and the system's reason, no Java class names. */
  private static String describe(IOException io) {
    if (io instanceof java.nio.file.NoSuchFileException missing) {
      return missing.getFile() + ": not found";
    }
    if (io instanceof java.nio.file.AccessDeniedException denied) {
      return denied.getFile() + ": permission denied";
    }
    if (io instanceof java.nio.file.FileSystemException fs) {
      return (fs.getFile() == null || fs.getFile().isEmpty() ? "" : fs.getFile() + ": ")
          + OutputFailure.reason(fs);
    }
    return OutputFailure.reason(io);
  }

  /**
   * Errors whose message already says what is wrong and where (the file and field, the op and
   * argument, what would fit): shown as they are.
   */
  private static boolean isBadInput(Throwable e) {
    return e instanceof ModelFormatException
        || e instanceof TokenizerFormatException
        || e instanceof EngineException
        || e instanceof ChatTemplateException
        || e instanceof OpArgumentException;
  }

  static String singleLine(String text) {
    return text == null ? "" : text.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
