package dev.kernelj.runtime.cuda;

import dev.kernelj.runtime.kernel.KernelFunction;
import dev.kernelj.runtime.kernel.KernelModule;
import java.util.List;

/**
 * The kernels of one {@code @Kernel} interface, loaded in one context, with where the binary came
 * from and, when a precompiled binary was not used, why.
 */
public final class LoadedKernelModule implements KernelModule {
  private final CudaModule module;
  private final List<CudaFunction> functions;
  private final ModuleOrigin origin;
  private final String precompiledSkipReason;

  LoadedKernelModule(
      CudaModule module,
      List<CudaFunction> functions,
      ModuleOrigin origin,
      String precompiledSkipReason) {
    this.module = module;
    this.functions = List.copyOf(functions);
    this.origin = origin;
    this.precompiledSkipReason = precompiledSkipReason;
  }

  @Override
  public KernelFunction function(int bindingIndex) {
    return functions.get(bindingIndex);
  }

  /** The function of binding {@code bindingIndex}, with its CUDA-specific accessors. */
  public CudaFunction cudaFunction(int bindingIndex) {
    return functions.get(bindingIndex);
  }

  public ModuleOrigin origin() {
    return origin;
  }

  /** Why the precompiled binary was not used (e.g. "no resource"), or null when it was. */
  public String precompiledSkipReason() {
    return precompiledSkipReason;
  }

  public CudaModule module() {
    return module;
  }
}
