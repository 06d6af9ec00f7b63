package dev.kernelj.processor;

import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.check.Diagnostic;
import dev.kernelj.dsl.cuda.CompileTarget;
import dev.kernelj.dsl.cuda.CudaVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.TypeElement;

/**
 * The compiler options of a {@code @Kernel}: its {@code options}, then one {@code -D} per entry of
 * {@code defines}, each checked to be a macro definition nvcc, NVRTC and the check can all read.
 */
final class CompileOptionsCheck {
  private CompileOptionsCheck() {}

  /** The options, or nothing when one is malformed (reported at its annotation value). */
  static Optional<List<String>> options(
      TypeElement type, AnnotationMirror mirror, Kernel kernel, DiagnosticReporter reporter) {
    List<String> options = new ArrayList<>(List.of(kernel.options()));
    boolean ok = true;
    try {
      macrosOf(options);
    } catch (IllegalArgumentException e) {
      reporter.error(
          Diagnostic.SOURCE,
          "@Kernel options of " + type.getSimpleName() + ": " + e.getMessage(),
          type,
          mirror,
          "options");
      ok = false;
    }
    for (String define : kernel.defines()) {
      String option = "-D" + define;
      try {
        macrosOf(List.of(option));
        options.add(option);
      } catch (IllegalArgumentException e) {
        reporter.error(
            Diagnostic.SOURCE,
            "define \""
                + define
                + "\" of "
                + type.getSimpleName()
                + " is not a macro definition: write NAME, NAME=value or NAME(x)=body",
            type,
            mirror,
            "defines");
        ok = false;
      }
    }
    return ok ? Optional.of(List.copyOf(options)) : Optional.empty();
  }

  private static void macrosOf(List<String> options) {
    CompileTarget.nvcc(80, List.of(80), CudaVersion.DEFAULT, options).predefinedSpellings();
  }
}
