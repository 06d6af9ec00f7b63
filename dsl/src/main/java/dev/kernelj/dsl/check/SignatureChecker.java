package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.CudaParam;
import dev.kernelj.dsl.cuda.CudaProgram;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.NameExpression;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The matching rules; see {@link SignatureCheck#check}. */
final class SignatureChecker {
  private SignatureChecker() {}

  static SignatureCheck check(
      List<JavaParam> javaParams, NameExpression binding, CudaSource source) {
    KernelResolver.Resolution r = KernelResolver.resolve(binding, source);
    if (r.problem() != null) {
      return new SignatureCheck(Optional.empty(), List.of(r.problem()));
    }
    return matched(javaParams, binding, r.kernel(), source, new ArrayList<>());
  }

  static SignatureCheck check(
      List<JavaParam> javaParams, NameExpression binding, CudaProgram program) {
    ArchConsistency.Outcome outcome = ArchConsistency.resolve(binding, program);
    if (outcome.kernel() == null) {
      return new SignatureCheck(Optional.empty(), outcome.problems());
    }
    return matched(
        javaParams,
        binding,
        outcome.kernel(),
        program.primary().source(),
        new ArrayList<>(outcome.problems()));
  }

  private static SignatureCheck matched(
      List<JavaParam> javaParams,
      NameExpression binding,
      CudaKernel kernel,
      CudaSource source,
      List<Problem> problems) {
    List<CudaParam> params = source.paramsFor(kernel, binding.templateArgs());
    String quote = Quote.of(kernel, binding.templateArgs());
    List<Problem> found = ParamMatcher.match(javaParams, params, kernel.qualifiedName(), quote);
    boolean errors = found.stream().anyMatch(Problem::error);
    if (errors && !kernel.hiddenMacros().isEmpty()) {
      problems.add(hiddenParameters(kernel, quote));
    } else {
      problems.addAll(found);
    }
    return new SignatureCheck(Optional.of(kernel), problems);
  }

  /** The Java parameters do not fit, and the CUDA ones are partly hidden behind a macro. */
  private static Problem hiddenParameters(CudaKernel kernel, String quote) {
    String macro = kernel.hiddenMacros().get(0);
    return new Problem(
        Diagnostic.MACRO,
        true,
        -1,
        "the parameter list of __global__ '"
            + kernel.qualifiedName()
            + "' uses "
            + macro
            + ", which this source neither defines as a macro nor declares as a type (it may come"
            + " from an included header, which KernelJ does not read), so the parameters behind it"
            + " are hidden; define "
            + macro
            + " in the source or with @Kernel(defines = ...), or write the parameters out. "
            + quote);
  }
}
