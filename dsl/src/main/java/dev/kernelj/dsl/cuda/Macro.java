package dev.kernelj.dsl.cuda;

import java.util.List;

/**
 * One preprocessor macro.
 *
 * @param name the macro's name
 * @param functionLike whether it takes arguments ({@code #define F(x)}, no space before '(')
 * @param params the parameter names; a variadic macro's last one is {@code __VA_ARGS__} or the GNU
 *     name given before {@code ...}
 * @param variadic whether the last parameter collects the remaining arguments
 * @param body the replacement list
 * @param line the line of its {@code #define}, 0 for a predefined macro
 */
record Macro(
    String name,
    boolean functionLike,
    List<String> params,
    boolean variadic,
    List<CudaToken> body,
    int line) {
  Macro {
    params = List.copyOf(params);
    body = List.copyOf(body);
  }

  /** An object-like macro with this replacement text, as {@code -D} and the compiler define it. */
  static Macro predefined(String name, String replacement) {
    return new Macro(name, false, List.of(), false, CudaLexer.tokenize(replacement), 0);
  }

  int paramIndex(String identifier) {
    return params.indexOf(identifier);
  }

  /** The definition as a {@code -D} option or a message would spell it. */
  String spelling() {
    String head =
        functionLike
            ? name
                + "("
                + String.join(", ", variadic ? params.subList(0, params.size() - 1) : params)
                + (variadic
                    ? (params.size() > 1 ? ", " : "")
                        + (params.get(params.size() - 1).equals("__VA_ARGS__")
                            ? "..."
                            : params.get(params.size() - 1) + "...")
                    : "")
                + ")"
            : name;
    return head + (body.isEmpty() ? "" : " " + TokenText.join(body));
  }
}
