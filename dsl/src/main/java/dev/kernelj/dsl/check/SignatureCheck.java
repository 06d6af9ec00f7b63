package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.CudaProgram;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.NameExpression;
import java.util.List;
import java.util.Optional;

/**
 * The one definition of "these Java parameters may launch that CUDA kernel", used by the annotation
 * processor at compile time and by the runtime's dynamic kernels at run time.
 *
 * @param kernel the CUDA kernel the binding resolved to, when it resolved to exactly one
 * @param problems every problem found, errors and warnings, in parameter order
 */
public record SignatureCheck(Optional<CudaKernel> kernel, List<Problem> problems) {
  public SignatureCheck {
    problems = List.copyOf(problems);
  }

  public boolean hasErrors() {
    return problems.stream().anyMatch(Problem::error);
  }

  /**
   * Resolves {@code binding} in one view of the source and checks {@code javaParams} (the Java
   * parameters after the {@code Launch}) against the kernel's parameters, template arguments
   * substituted. C types are read through {@link CTypes}; a CUDA {@code void*} takes a pointer of
   * any element type, with the same constness rules as a typed pointer.
   */
  public static SignatureCheck check(
      List<JavaParam> javaParams, NameExpression binding, CudaSource source) {
    return SignatureChecker.check(javaParams, binding, source);
  }

  /**
   * As {@link #check(List, NameExpression, CudaSource)}, in every view of {@code program}: the
   * binding must resolve to a kernel with the same parameters in each view the build compiles (and
   * in every other view where it exists), and its parameters are checked once.
   */
  public static SignatureCheck check(
      List<JavaParam> javaParams, NameExpression binding, CudaProgram program) {
    return SignatureChecker.check(javaParams, binding, program);
  }
}
