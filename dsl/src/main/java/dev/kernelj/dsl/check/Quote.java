package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.TemplateParam;
import java.util.ArrayList;
import java.util.List;

/**
 * How messages quote a CUDA declaration: {@code CUDA (line 3, in namespace f32, with T = float):
 * template <typename T> ...}; a declaration a macro produced says so ({@code from macro
 * DEFINE_SCALE}) and is quoted as the macro expands.
 */
final class Quote {
  private Quote() {}

  static String of(CudaKernel k) {
    return of(k, List.of());
  }

  static String of(CudaKernel k, List<String> templateArgs) {
    List<String> notes = new ArrayList<>();
    notes.add("line " + k.line());
    if (!k.namespace().isEmpty()) {
      String ns = k.qualifiedName();
      String spelled = ns.substring(0, ns.length() - k.name().length() - 2);
      notes.add(
          spelled.equals("(anonymous namespace)")
              ? "in an anonymous namespace"
              : "in namespace " + spelled);
    }
    if (!k.macro().isEmpty()) {
      notes.add("from macro " + k.macro());
    }
    List<String> bindings = new ArrayList<>();
    List<TemplateParam> tps = k.templateParams();
    for (int i = 0; i < tps.size() && i < templateArgs.size(); i++) {
      bindings.add(
          (tps.get(i).name().isEmpty() ? "#" + (i + 1) : tps.get(i).name())
              + " = "
              + templateArgs.get(i));
    }
    if (!bindings.isEmpty()) {
      notes.add("with " + String.join(", ", bindings));
    }
    return "CUDA (" + String.join(", ", notes) + "): " + k.declaration();
  }
}
