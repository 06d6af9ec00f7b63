package dev.kernelj.dsl.cuda;

import java.util.List;

/**
 * A kernel name as a Java method binds it: a plain name ({@code "saxpy"}) or a template
 * instantiation ({@code "reduce<float, 256>"}), as NVRTC's name expressions take them.
 *
 * @param name the function name
 * @param templateArgs the template arguments, trimmed, in order; empty for a plain name
 * @param text the expression as written, white space folded
 */
public record NameExpression(String name, List<String> templateArgs, String text) {
  public NameExpression {
    templateArgs = List.copyOf(templateArgs);
  }

  public boolean isInstantiation() {
    return !templateArgs.isEmpty();
  }

  /**
   * Parses {@code name} or {@code name<arg, arg>}; template arguments may themselves contain angle
   * brackets and parentheses.
   *
   * @throws CudaParseException when the text is not of that form
   */
  public static NameExpression parse(String text) {
    return NameExpressionParser.parse(text);
  }
}
