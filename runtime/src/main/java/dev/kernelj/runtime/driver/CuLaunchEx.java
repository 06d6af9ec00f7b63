package dev.kernelj.runtime.driver;

import com.sun.jna.Native;

/**
 * {@code cuLaunchKernelEx} (CUDA 11.8+), bound by direct mapping apart from {@link CuDirect} so
 * that an older driver without it still launches everything else. {@link #available} says whether
 * it could be bound.
 */
public final class CuLaunchEx {
  private static volatile Boolean bound;

  private CuLaunchEx() {}

  /**
   * Whether libcuda exports {@code cuLaunchKernelEx} and it is bound (opens the driver if needed).
   */
  public static boolean available() {
    Boolean b = bound;
    if (b == null) {
      synchronized (CuLaunchEx.class) {
        if (bound == null) {
          boolean ok = Driver.hasSymbol("cuLaunchKernelEx");
          if (ok) {
            Native.register(CuLaunchEx.class, Driver.library());
          }
          bound = ok;
        }
        b = bound;
      }
    }
    return b;
  }

  /**
   * {@code config} is the address of a {@code CUlaunchConfig} (see {@code LaunchConfigBlock}); call
   * only when {@link #available}.
   */
  public static native int cuLaunchKernelEx(
      long config, long function, long kernelParams, long extra);
}
