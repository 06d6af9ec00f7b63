package dev.kernelj.runtime.cuda;

import dev.kernelj.runtime.kernel.KernelBinding;

/**
 * The message for a binding whose function the loaded module does not have, naming the interface,
 * the method, the kernel it binds and its symbol, where the module came from, and the usual cause.
 */
final class MissingFunction {
  private MissingFunction() {}

  /**
   * @param iface the {@code @Kernel} interface's name
   * @param symbol the symbol looked up, or null when no compiler named one
   * @param from where the module came from, e.g. {@code the precompiled binary} or {@code NVRTC}
   * @param arch the device's architecture, e.g. {@code sm_90}
   */
  static String message(
      String iface, KernelBinding binding, String symbol, String from, String arch) {
    String what =
        "kernels of "
            + iface
            + ": method "
            + binding.methodName()
            + " binds __global__ '"
            + binding.nameExpression()
            + "'";
    if (symbol == null) {
      return what
          + ", but "
          + from
          + " named no symbol for it, so it cannot be looked up in the module for "
          + arch;
    }
    return what
        + " (symbol "
        + symbol
        + "), but the module from "
        + from
        + " for "
        + arch
        + " has no such function: the CUDA C declares the kernel without a body compiled for this"
        + " architecture (no definition at all, or one in a preprocessor branch that "
        + arch
        + " skips)";
  }

  static String origin(ModuleOrigin origin) {
    return switch (origin) {
      case PRECOMPILED -> "the precompiled binary";
      case NVRTC_CACHE -> "NVRTC (kernel cache)";
      case NVRTC_COMPILED -> "NVRTC";
    };
  }
}
