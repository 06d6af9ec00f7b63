package dev.kernelj.runtime.kernel;

/**
 * Turns a {@link KernelSource} into loaded functions: a CUDA context does it for real (precompiled
 * binary, PTX, or NVRTC through the kernel cache); tests supply fakes.
 */
public interface KernelModuleLoader {
  KernelModule load(KernelSource source);
}
