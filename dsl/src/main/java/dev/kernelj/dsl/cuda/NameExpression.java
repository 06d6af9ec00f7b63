package dev.kernelj.dsl.cuda;

import java.util.List;

/**
 * A kernel name as a Java method binds it: a plain name ({@code "saxpy"}), a qualified one ({@code
 * "f32::scale"}, {@code "::saxpy"}) or a template instantiation ({@code "reduce<float, 256>"}), as
 * NVRTC's name expressions take them.
 *
 * @param qualifier the namespaces before the name, outermost first; empty for an unqualified name
 * @param rooted whether the expression starts with {@code ::} (lookup from the global namespace)
 * @param name the function name
 * @param templateArgs the template arguments, trimmed, in order; empty for a plain name
 * @param text the expression as written, white space folded
 */
public record NameExpression(
    List<String> qualifier, boolean rooted, String name, List<String> templateArgs, String text) {
  public NameExpression {
    qualifier = List.copyOf(qualifier);
    templateArgs = List.copyOf(templateArgs);
  }

  /** An unqualified name expression. */
  public NameExpression(String name, List<String> templateArgs, String text) {
    this(List.of(), false, name, templateArgs, text);
  }

  public boolean isInstantiation() {
    return !templateArgs.isEmpty();
  }

  /** {@code f32::scale} or {@code ::scale}: the name with its qualifier, without template args. */
  public String qualifiedName() {
    return (rooted ? "::" : "")
        + (qualifier.isEmpty() ? "" : String.join("::", qualifier) + "::")
        + name;
  }

  /**
   * Parses {@code name}, {@code ns::name} or {@code name<arg, arg>}; template arguments may
   * themselves contain angle brackets and parentheses.
   *
   * @throws CudaParseException when the text is not of that form
   */
  public static NameExpression parse(String text) {
    return NameExpressionParser.parse(text);
  }
}
