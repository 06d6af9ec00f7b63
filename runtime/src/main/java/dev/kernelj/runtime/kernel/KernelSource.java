package dev.kernelj.runtime.kernel;

import java.util.List;

/**
 * Everything the runtime needs to build and bind the kernels of one {@code @Kernel} interface:
 * generated launchers hold one as a constant.
 *
 * @param owner the {@code @Kernel} interface; precompiled binaries are looked up beside it
 * @param cudaSource the CUDA C text as compiled
 * @param sha256 hex SHA-256 of {@code cudaSource} (UTF-8), computed at build time
 * @param options compiler options from {@code @Kernel(options = ...)}
 * @param bindings one per Java method, in declaration order
 */
public record KernelSource(
    Class<?> owner,
    String cudaSource,
    String sha256,
    List<String> options,
    List<KernelBinding> bindings) {
  public KernelSource {
    options = List.copyOf(options);
    bindings = List.copyOf(bindings);
  }
}
