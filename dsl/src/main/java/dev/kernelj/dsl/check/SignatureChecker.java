package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.NameExpression;
import java.util.List;

/** The matching rules; see {@link SignatureCheck#check}. */
final class SignatureChecker {
  private SignatureChecker() {}

  static SignatureCheck check(List<JavaParam> javaParams, NameExpression binding, CudaSource source) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
