package dev.kernelj.runtime.kernel;

/**
 * How one Java method of a {@code @Kernel} interface is bound, as the generated launcher records
 * it.
 *
 * @param methodName the Java method
 * @param nameExpression the kernel name or template instantiation, e.g. {@code "scale<float>"}
 * @param paramSizes byte size of each kernel parameter, in order (pointers 8); offsets follow
 *     {@link dev.kernelj.dsl.check.ParamLayout}
 * @param maxThreadsPerBlock the declared block-size limit, 0 for none
 * @param maxDynamicSharedBytes the declared dynamic shared memory limit, 0 for the default 48 KiB
 */
public record KernelBinding(
    String methodName,
    String nameExpression,
    int[] paramSizes,
    int maxThreadsPerBlock,
    int maxDynamicSharedBytes) {
  public KernelBinding {
    paramSizes = paramSizes.clone();
  }

  @Override
  public int[] paramSizes() {
    return paramSizes.clone();
  }
}
