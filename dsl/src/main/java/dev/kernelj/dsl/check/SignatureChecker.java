package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.CudaParam;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.NameExpression;
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
    CudaKernel kernel = r.kernel();
    List<CudaParam> params = kernel.paramsFor(binding.templateArgs());
    String quote = Quote.of(kernel, binding.templateArgs());
    return new SignatureCheck(
        Optional.of(kernel), ParamMatcher.match(javaParams, params, kernel.name(), quote));
  }
}
