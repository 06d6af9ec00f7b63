package dev.kernelj.processor;

import java.util.List;
import java.util.Optional;

/**
 * One checked kernel method of a {@code @Kernel} interface.
 *
 * @param methodName the Java method's name (unique within the interface)
 * @param launchParamName the name of its leading {@code Launch} parameter
 * @param nameExpression the kernel name or template instantiation it binds to, white space folded,
 *     as NVRTC takes it ({@code "scale<float>"})
 * @param cSymbol the kernel's symbol when it has C linkage ({@code extern "C"}): the plain name;
 *     empty for C++ kernels and templates, whose mangled symbol only the CUDA compiler knows
 * @param params the kernel parameters after the {@code Launch}, with their offsets
 * @param maxThreadsPerBlock the declared block-size limit, 0 for none
 * @param maxDynamicSharedBytes the declared dynamic shared memory limit, 0 for the default
 */
record KernelMethodModel(
    String methodName,
    String launchParamName,
    String nameExpression,
    Optional<String> cSymbol,
    List<KernelParamModel> params,
    int maxThreadsPerBlock,
    int maxDynamicSharedBytes) {

  KernelMethodModel {
    params = List.copyOf(params);
  }

  /**
   * Byte size of each kernel parameter, in order, as the runtime's {@code KernelBinding} records
   * it.
   */
  int[] paramSizes() {
    return params.stream().mapToInt(KernelParamModel::size).toArray();
  }
}
