package dev.kernelj.dsl.cuda;

/**
 * One template parameter of a templated kernel.
 *
 * @param kind {@code "typename"} or {@code "class"} for type parameters, else the non-type
 *     parameter's type ({@code "int"}, {@code "unsigned"}, {@code "bool"}, ...)
 * @param name the parameter's name
 */
public record TemplateParam(String kind, String name) {
  public boolean isType() {
    return kind.equals("typename") || kind.equals("class");
  }
}
