package dev.kernelj.runtime.kernel;

/** The loaded kernels of one {@link KernelSource}, one function per binding. */
public interface KernelModule {
  /** The function of the binding at {@code bindingIndex} in {@link KernelSource#bindings()}. */
  KernelFunction function(int bindingIndex);
}
