package dev.kernelj.ops.kernels;

/**
 * What a launch plan must fit on the GPU it runs on: the SM count, the shared memory one block may
 * take (the opt-in maximum: 227 KiB on H100 and H200, 163 KiB on A100, 99 KiB on sm_86 and sm_89)
 * and the shared memory of one SM, which its resident blocks divide (each also keeps 1 KiB the
 * driver reserves).
 *
 * @param multiprocessors streaming multiprocessors
 * @param sharedPerBlock {@code CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN}, bytes
 * @param sharedPerMultiprocessor {@code CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR},
 *     bytes
 */
public record GpuLimits(int multiprocessors, int sharedPerBlock, int sharedPerMultiprocessor) {
  /** Shared memory the driver keeps for each resident block (sm_80 and later). */
  public static final int RESERVED_PER_BLOCK = 1024;

  public GpuLimits {
    if (multiprocessors < 1 || sharedPerBlock < 1 || sharedPerMultiprocessor < sharedPerBlock) {
      throw new IllegalArgumentException(
          "GPU limits: "
              + multiprocessors
              + " SMs, "
              + sharedPerBlock
              + " bytes of shared memory a block, "
              + sharedPerMultiprocessor
              + " an SM");
    }
  }

  /**
   * The most dynamic shared memory each of {@code blocks} resident blocks of a kernel may take,
   * beside {@code staticBytes} of its own static shared memory, and at most {@code wanted}.
   */
  public int dynamicShared(int wanted, int blocks, int staticBytes) {
    long perSm = (long) sharedPerMultiprocessor / blocks - RESERVED_PER_BLOCK - staticBytes;
    long perBlock = (long) sharedPerBlock - staticBytes;
    return (int) Math.max(0, Math.min(wanted, Math.min(perSm, perBlock)));
  }
}
