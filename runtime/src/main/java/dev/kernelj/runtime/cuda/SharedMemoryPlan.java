package dev.kernelj.runtime.cuda;

import dev.kernelj.runtime.driver.CuConstants;

/**
 * How much dynamic shared memory a kernel's launches may ask for, counting the static shared memory
 * the kernel itself declares ({@code __shared__} arrays): without opting in, static plus dynamic
 * must stay within 48 KiB; above that the function's limit is raised once, and static plus dynamic
 * must stay within the device's opt-in maximum per block.
 *
 * <p>A declaration larger than the device can give does not stop the kernel from loading: the limit
 * becomes what the device gives, and only a launch that asks for more is refused, with a message
 * that names the device's maximum. So a module whose largest kernels were sized for a Hopper GPU
 * (227 KiB a block) still loads on an Ada or Ampere one (99 KiB on sm_86 and sm_89), and its
 * launchers can size their launches by the device.
 *
 * @param dynamicLimit the most dynamic shared memory a launch may ask for
 * @param raiseTo the value for {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}, or 0 when
 *     the default suffices
 * @param staticBytes the kernel's static shared memory
 * @param declared the method's {@code maxDynamicSharedBytes}, 0 for none
 * @param optInMax the device's maximum shared memory per block
 */
record SharedMemoryPlan(
    int dynamicLimit, int raiseTo, int staticBytes, int declared, int optInMax) {
  /**
   * @param declared the method's {@code maxDynamicSharedBytes}, 0 for none
   * @param staticBytes {@code CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES} of the function
   * @param optInMax {@code CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN} of the device
   */
  static SharedMemoryPlan of(int declared, int staticBytes, int optInMax) {
    int defaultLimit = Math.max(0, CuConstants.DEFAULT_DYNAMIC_SHARED_LIMIT - staticBytes);
    if (declared <= defaultLimit) {
      return new SharedMemoryPlan(
          declared > 0 ? declared : defaultLimit, 0, staticBytes, declared, optInMax);
    }
    int limit = Math.max(defaultLimit, Math.min(declared, optInMax - staticBytes));
    return new SharedMemoryPlan(
        limit, limit > defaultLimit ? limit : 0, staticBytes, declared, optInMax);
  }

  /** Whether the device gives a block less than the declaration asks for. */
  boolean cappedByDevice() {
    return dynamicLimit < declared;
  }

  /** Why a launch asking for {@code asked} bytes is refused. */
  String refusal(String name, long asked) {
    String statics =
        staticBytes > 0
            ? " (the kernel's own " + staticBytes + " bytes of static shared memory count too)"
            : "";
    if (cappedByDevice()) {
      return name
          + ": "
          + asked
          + " bytes of dynamic shared memory exceed the "
          + dynamicLimit
          + " this device gives one block of this kernel: "
          + optInMax
          + " bytes a block"
          + statics
          + ", less than the "
          + declared
          + " declared; size the launch by the device";
    }
    return name
        + ": "
        + asked
        + " bytes of dynamic shared memory exceed the limit of "
        + dynamicLimit
        + statics
        + "; declare a higher maxDynamicSharedBytes on the method to raise it";
  }
}
