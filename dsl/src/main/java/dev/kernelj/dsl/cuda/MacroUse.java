package dev.kernelj.dsl.cuda;

/**
 * An invocation of a macro that the source does not define (it may come from an included header,
 * which KernelJ does not read), standing where a declaration would: whatever it declares is hidden.
 *
 * @param name the macro's name
 * @param line the line of the invocation
 * @param text the invocation as written, normalised to one line ({@code DEFINE_SCALE(scale,
 *     float)})
 * @param arguments the identifiers among its arguments, which often name what it declares
 */
public record MacroUse(String name, int line, String text, java.util.List<String> arguments) {
  public MacroUse {
    arguments = java.util.List.copyOf(arguments);
  }
}
