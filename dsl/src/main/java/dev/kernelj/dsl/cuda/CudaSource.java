package dev.kernelj.dsl.cuda;

import java.util.List;

/** The {@code __global__} functions found in one CUDA C source, in source order. */
public record CudaSource(List<CudaKernel> kernels) {
  public CudaSource {
    kernels = List.copyOf(kernels);
  }

  /** Every kernel of this name (more than one means C++ overloads). */
  public List<CudaKernel> named(String name) {
    return kernels.stream().filter(k -> k.name().equals(name)).toList();
  }

  /**
   * Finds the {@code __global__} declarations in CUDA C: comments, string literals, preprocessor
   * lines, {@code extern "C"} (single and block form), {@code __launch_bounds__}, templates,
   * attributes and function bodies are all understood or skipped. A declaration followed by its
   * definition is one kernel; explicit instantiations and specialisations ({@code template
   * __global__ void f<float>(...)}) are not kernels of their own.
   *
   * @throws CudaParseException when a {@code __global__} declaration cannot be read
   */
  public static CudaSource parse(String source) {
    return CudaDeclarationParser.parse(source);
  }
}
