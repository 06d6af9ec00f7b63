package dev.kernelj.processor;

import dev.kernelj.dsl.cuda.CudaProgram;
import dev.kernelj.dsl.cuda.CudaVersion;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the compile-time check reads each source as: nvcc's device pass for the architectures the
 * build targets ({@code -Akernelj.archs}), with the toolkit version of the nvcc found (asked once,
 * when first needed), plus the other architectures nvcc and NVRTC may compile for.
 */
record CheckTargets(List<Integer> archs, Supplier<CudaVersion> version) {
  CheckTargets {
    archs = List.copyOf(archs);
  }

  /** The views of {@code source} compiled with {@code options}. */
  CudaProgram read(String source, List<String> options) {
    return CudaProgram.forBuild(source, options, archs, version.get());
  }
}
