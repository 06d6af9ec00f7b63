package dev.kernelj.dsl.cuda;

import java.util.HashMap;
import java.util.Map;

/**
 * The macros defined at one point of preprocessing, plus the few whose value the preprocessor
 * computes ({@code __LINE__}, {@code __FILE__}, {@code __COUNTER__}, ...).
 */
final class MacroTable {
  /** The name nvcc and NVRTC give the source in {@code __FILE__}; KernelJ compiles one file. */
  static final String FILE_NAME = "kernel.cu";

  private final Map<String, Macro> macros = new HashMap<>();
  private int counter;

  MacroTable(Map<String, Macro> initial) {
    macros.putAll(initial);
  }

  void define(Macro macro) {
    macros.put(macro.name(), macro);
  }

  void undefine(String name) {
    macros.remove(name);
  }

  Macro get(String name) {
    return macros.get(name);
  }

  boolean isDefined(String name) {
    return macros.containsKey(name) || isDynamic(name);
  }

  /** Macros whose replacement depends on where they are used. */
  static boolean isDynamic(String name) {
    return switch (name) {
      case "__LINE__",
          "__FILE__",
          "__BASE_FILE__",
          "__FILE_NAME__",
          "__COUNTER__",
          "__DATE__",
          "__TIME__",
          "__TIMESTAMP__",
          "__INCLUDE_LEVEL__" ->
          true;
      default -> false;
    };
  }

  /**
   * The replacement of a dynamic macro used on {@code line}. Dates and times are fixed so that a
   * source preprocesses the same way on every build.
   */
  CudaToken dynamic(String name, int line) {
    return switch (name) {
      case "__LINE__" -> new CudaToken(CudaToken.Kind.NUMBER, Integer.toString(line), line);
      case "__FILE__", "__BASE_FILE__", "__FILE_NAME__" ->
          new CudaToken(CudaToken.Kind.STRING, "\"" + FILE_NAME + "\"", line);
      case "__COUNTER__" -> new CudaToken(CudaToken.Kind.NUMBER, Integer.toString(counter++), line);
      case "__DATE__" -> new CudaToken(CudaToken.Kind.STRING, "\"Jan  1 2000\"", line);
      case "__TIME__" -> new CudaToken(CudaToken.Kind.STRING, "\"00:00:00\"", line);
      case "__TIMESTAMP__" ->
          new CudaToken(CudaToken.Kind.STRING, "\"Sat Jan  1 00:00:00 2000\"", line);
      case "__INCLUDE_LEVEL__" -> new CudaToken(CudaToken.Kind.NUMBER, "0", line);
      default -> throw new IllegalArgumentException("not a dynamic macro: " + name);
    };
  }
}
