package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates the controlling expression of {@code #if} and {@code #elif} as C++ does ([cpp.cond]):
 * {@code defined X} and {@code defined(X)} first, then macro replacement, then every identifier
 * left (other than {@code true}) counts as 0, and the integer expression is computed in {@code
 * intmax_t}/{@code uintmax_t} with C's usual arithmetic conversions and short-circuiting.
 *
 * <p>{@code __has_include(...)} is true for a {@code <header>} (the toolkit's and the C++ library's
 * headers are there for nvcc) and false for a {@code "file"}, which NVRTC could not find either;
 * {@code __has_builtin}, {@code __has_attribute} and their kin are false.
 */
final class ConditionEvaluator {
  private ConditionEvaluator() {}

  static boolean evaluate(List<CudaToken> tokens, MacroTable macros, int line) {
    if (tokens.isEmpty()) {
      throw new CudaParseException(line, "#if with no expression");
    }
    List<CudaToken> resolved = resolveDefined(tokens, macros, line);
    List<CudaToken> expanded = MacroExpander.expandAll(macros, resolved);
    // "defined" produced by a macro's expansion: GCC evaluates it too.
    List<CudaToken> again = resolveDefined(expanded, macros, line);
    return new IntegerExpression(again, line).evaluate().isTrue();
  }

  /** Replaces {@code defined X}, {@code defined ( X )} and the {@code __has_*} operators by 1/0. */
  private static List<CudaToken> resolveDefined(
      List<CudaToken> tokens, MacroTable macros, int line) {
    List<CudaToken> out = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      CudaToken t = tokens.get(i);
      if (t.isIdentifier("defined")) {
        int at = i + 1;
        boolean paren = at < tokens.size() && tokens.get(at).isPunct("(");
        if (paren) {
          at++;
        }
        if (at >= tokens.size() || !tokens.get(at).isIdentifier()) {
          throw new CudaParseException(line, "'defined' must be followed by a macro name");
        }
        String name = tokens.get(at).text();
        if (paren) {
          at++;
          if (at >= tokens.size() || !tokens.get(at).isPunct(")")) {
            throw new CudaParseException(line, "missing ')' after 'defined(" + name + "'");
          }
        }
        out.add(number(macros.isDefined(name) || isHasOperator(name) ? 1 : 0, t));
        i = at;
      } else if (t.isIdentifier() && isHasOperator(t.text())) {
        int close = closingParen(tokens, i + 1, t.text(), line);
        boolean value =
            t.is("__has_include")
                && close > i + 2
                && tokens.get(i + 2).isPunct("<"); // <header>: present for nvcc
        out.add(number(value ? 1 : 0, t));
        i = close;
      } else {
        out.add(t);
      }
    }
    return out;
  }

  private static boolean isHasOperator(String name) {
    return switch (name) {
      case "__has_include",
          "__has_include_next",
          "__has_builtin",
          "__has_attribute",
          "__has_cpp_attribute",
          "__has_feature",
          "__has_extension" ->
          true;
      default -> false;
    };
  }

  private static int closingParen(List<CudaToken> tokens, int open, String what, int line) {
    if (open >= tokens.size() || !tokens.get(open).isPunct("(")) {
      throw new CudaParseException(line, "'" + what + "' must be followed by '('");
    }
    return TokenGroups.closing(tokens, open, "the argument of '" + what + "'");
  }

  private static CudaToken number(int value, CudaToken at) {
    return new CudaToken(CudaToken.Kind.NUMBER, Integer.toString(value), at.line());
  }
}
