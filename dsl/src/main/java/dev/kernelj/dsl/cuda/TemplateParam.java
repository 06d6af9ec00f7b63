package dev.kernelj.dsl.cuda;

/**
 * One template parameter of a templated kernel.
 *
 * @param kind {@code "typename"} or {@code "class"} for type parameters, else the non-type
 *     parameter's type ({@code "int"}, {@code "unsigned"}, {@code "bool"}, ...); a parameter pack
 *     ends in {@code "..."} ({@code "typename..."})
 * @param name the parameter's name (empty when the declaration omits it)
 * @param defaultArg the default argument as written ({@code "256"}), empty when there is none
 */
public record TemplateParam(String kind, String name, String defaultArg) {
  /** A template parameter without a default argument. */
  public TemplateParam(String kind, String name) {
    this(kind, name, "");
  }

  public boolean isType() {
    return kind.equals("typename") || kind.equals("class");
  }

  /** Whether its arguments are types: a type parameter, or a pack of them. */
  public boolean takesTypes() {
    String element = isPack() ? kind.substring(0, kind.length() - 3).strip() : kind;
    return element.equals("typename") || element.equals("class");
  }

  /**
   * Whether this is a parameter pack ({@code typename... Ts}), which takes any number of arguments.
   */
  public boolean isPack() {
    return kind.endsWith("...");
  }

  public boolean hasDefault() {
    return !defaultArg.isEmpty();
  }

  /** C spelling, for messages: {@code int BLOCK = 256}. */
  @Override
  public String toString() {
    String decl = name.isEmpty() ? kind : kind + " " + name;
    return hasDefault() ? decl + " = " + defaultArg : decl;
  }
}
