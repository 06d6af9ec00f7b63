package dev.kernelj.dsl.cuda;

/** Finds {@code __global__} declarations; see {@link CudaSource#parse}. */
final class CudaDeclarationParser {
  private CudaDeclarationParser() {}

  static CudaSource parse(String source) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
