package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.TemplateParam;
import java.util.ArrayList;
import java.util.List;

/**
 * How messages quote a CUDA declaration: {@code CUDA (line 3, with T = float): template <typename
 * T> ...}.
 */
final class Quote {
  private Quote() {}

  static String of(CudaKernel k) {
    return "CUDA (line " + k.line() + "): " + k.declaration();
  }

  static String of(CudaKernel k, List<String> templateArgs) {
    if (templateArgs.isEmpty()) {
      return of(k);
    }
    List<String> bindings = new ArrayList<>();
    List<TemplateParam> tps = k.templateParams();
    for (int i = 0; i < tps.size() && i < templateArgs.size(); i++) {
      bindings.add(
          (tps.get(i).name().isEmpty() ? "#" + (i + 1) : tps.get(i).name())
              + " = "
              + templateArgs.get(i));
    }
    return "CUDA (line "
        + k.line()
        + ", with "
        + String.join(", ", bindings)
        + "): "
        + k.declaration();
  }
}
