package dev.kernelj.runtime.cuda;

import dev.kernelj.runtime.driver.CuConstants;

/**
 * How much dynamic shared memory a kernel's launches may ask for, counting the static shared memory
 * the kernel itself declares ({@code __shared__} arrays): without opting in, static plus dynamic
 * must stay within 48 KiB; above that the function's limit is raised once, and static plus dynamic
 * must stay within the device's opt-in maximum per block.
 *
 * @param dynamicLimit the most dynamic shared memory a launch may ask for
 * @param raiseTo the value for {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}, or 0 when
 *     the default suffices
 * @param staticBytes the kernel's static shared memory
 */
record SharedMemoryPlan(int dynamicLimit, int raiseTo, int staticBytes) {
  /**
   * @param declared the method's {@code maxDynamicSharedBytes}, 0 for none
   * @param staticBytes {@code CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES} of the function
   * @param optInMax {@code CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN} of the device
   * @param name how messages name the kernel
   * @throws IllegalArgumentException when the declared amount cannot fit beside the static memory
   */
  static SharedMemoryPlan of(int declared, int staticBytes, int optInMax, String name) {
    int defaultLimit = Math.max(0, CuConstants.DEFAULT_DYNAMIC_SHARED_LIMIT - staticBytes);
    if (declared <= defaultLimit) {
      return new SharedMemoryPlan(declared > 0 ? declared : defaultLimit, 0, staticBytes);
    }
    if ((long) declared + staticBytes > optInMax) {
      throw new IllegalArgumentException(
          name
              + ": maxDynamicSharedBytes = "
              + declared
              + " plus the kernel's "
              + staticBytes
              + " bytes of static shared memory exceed the "
              + optInMax
              + " bytes of shared memory this device gives one block; declare at most "
              + Math.max(0, optInMax - staticBytes));
    }
    return new SharedMemoryPlan(declared, declared, staticBytes);
  }

  /** Why a launch asking for {@code asked} bytes is refused. */
  String refusal(String name, long asked) {
    return name
        + ": "
        + asked
        + " bytes of dynamic shared memory exceed the limit of "
        + dynamicLimit
        + (staticBytes > 0
            ? " (the kernel's own " + staticBytes + " bytes of static shared memory count too)"
            : "")
        + "; declare a higher maxDynamicSharedBytes on the method to raise it";
  }
}
