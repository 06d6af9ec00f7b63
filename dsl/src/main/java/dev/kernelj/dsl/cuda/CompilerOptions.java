package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What nvcc and NVRTC options do to the predefined macros: {@code -D}/{@code --define-macro}
 * defines (object-like {@code NAME}, {@code NAME=value}, or function-like {@code NAME(x)=x}),
 * {@code -U}/{@code --undefine-macro} undefines, {@code -std=c++NN} sets {@code __cplusplus}, and a
 * few switches define the macros the compilers document ({@code -G}, {@code -rdc=true}, {@code
 * --extended-lambda}, {@code --expt-relaxed-constexpr}, {@code --device-int128}). Options are
 * applied in order, as the compilers apply them.
 */
final class CompilerOptions {
  private CompilerOptions() {}

  /**
   * Applies {@code options} to {@code macros}.
   *
   * @throws IllegalArgumentException naming the option when a definition is malformed
   */
  static void apply(
      List<String> options, CompileTarget.Compiler compiler, Map<String, Macro> macros) {
    for (int i = 0; i < options.size(); i++) {
      String o = options.get(i).strip();
      String value = null;
      String flag = o;
      int eq = o.indexOf('=');
      if (o.startsWith("-D") && !o.startsWith("--")) {
        flag = "-D";
        value = o.length() > 2 ? o.substring(2) : next(options, ++i, o);
      } else if (o.startsWith("-U") && !o.startsWith("--")) {
        flag = "-U";
        value = o.length() > 2 ? o.substring(2) : next(options, ++i, o);
      } else if (o.startsWith("--") || o.startsWith("-")) {
        if (eq > 0) {
          flag = o.substring(0, eq);
          value = o.substring(eq + 1);
        } else if (takesValue(o) && i + 1 < options.size()) {
          value = options.get(++i).strip();
        }
      }
      switch (flag) {
        case "-D", "--define-macro", "-define-macro" -> {
          Macro m = define(value, o);
          macros.put(m.name(), m);
        }
        case "-U", "--undefine-macro", "-undefine-macro" -> macros.remove(value.strip());
        case "-std", "--std" ->
            macros.put("__cplusplus", Macro.predefined("__cplusplus", cplusplus(value, o)));
        case "-G", "--device-debug", "-device-debug" -> put(macros, "__CUDACC_DEBUG__");
        case "-rdc", "--relocatable-device-code", "-relocatable-device-code" -> {
          if ("true".equals(value)) {
            put(macros, "__CUDACC_RDC__");
          }
        }
        case "-dc", "--device-c" -> put(macros, "__CUDACC_RDC__");
        case "--extended-lambda",
            "-extended-lambda",
            "--expt-extended-lambda",
            "-expt-extended-lambda" ->
            put(macros, "__CUDACC_EXTENDED_LAMBDA__");
        case "--expt-relaxed-constexpr", "-expt-relaxed-constexpr" ->
            put(macros, "__CUDACC_RELAXED_CONSTEXPR__");
        case "--device-int128", "-device-int128" -> {
          if (compiler == CompileTarget.Compiler.NVRTC) {
            put(macros, "__CUDACC_RTC_INT128__");
          }
        }
        default -> {
          // Other options (optimisation, -use_fast_math, ...) define nothing.
        }
      }
    }
  }

  /**
   * The macro a {@code -D} value defines: {@code NAME} (as 1), {@code NAME=text}, {@code
   * NAME(args)=text}.
   */
  static Macro define(String value, String option) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("option " + option + " defines no macro name");
    }
    int eq = value.indexOf('=');
    String head = eq < 0 ? value : value.substring(0, eq);
    String body = eq < 0 ? "1" : value.substring(eq + 1);
    List<CudaToken> tokens = new ArrayList<>();
    try {
      tokens.addAll(CudaLexer.tokenize(head));
      List<CudaToken> bodyTokens = CudaLexer.tokenize(body);
      if (!bodyTokens.isEmpty()) {
        bodyTokens.set(0, bodyTokens.get(0).withSpaceBefore(true));
      }
      tokens.addAll(bodyTokens);
      Macro m = MacroDefinitionParser.parse(tokens, 0);
      if (!head.strip().equals(head) || (m.functionLike() != head.contains("("))) {
        throw new CudaParseException(0, "white space in the macro name");
      }
      return new Macro(m.name(), m.functionLike(), m.params(), m.variadic(), m.body(), 0);
    } catch (CudaParseException e) {
      throw new IllegalArgumentException(
          "option "
              + option
              + " is not a macro definition (NAME, NAME=value or NAME(x)=value): "
              + e.getMessage(),
          e);
    }
  }

  private static String cplusplus(String value, String option) {
    if (value == null) {
      throw new IllegalArgumentException("option " + option + " names no C++ dialect");
    }
    return switch (value.strip().replace("gnu++", "c++")) {
      case "c++03", "c++98" -> "199711L";
      case "c++11" -> "201103L";
      case "c++14" -> "201402L";
      case "c++17" -> "201703L";
      case "c++20" -> "202002L";
      case "c++23" -> "202302L";
      default ->
          throw new IllegalArgumentException(
              "option " + option + " names a C++ dialect nvcc and NVRTC do not know");
    };
  }

  private static boolean takesValue(String flag) {
    return switch (flag) {
      case "--define-macro",
          "-define-macro",
          "--undefine-macro",
          "-undefine-macro",
          "-std",
          "--std" ->
          true;
      default -> false;
    };
  }

  private static String next(List<String> options, int i, String option) {
    if (i >= options.size()) {
      throw new IllegalArgumentException("option " + option + " needs a value after it");
    }
    return options.get(i).strip();
  }

  private static void put(Map<String, Macro> macros, String name) {
    macros.put(name, Macro.predefined(name, "1"));
  }
}
