package dev.kernelj.runtime.driver;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The few driver calls made on hot paths, bound by JNA <em>direct mapping</em>: a call is a JNI
 * call with primitive arguments, so it allocates nothing (the proxy-based {@link CuDriverLibrary}
 * boxes every argument). Bound by {@link Driver} once libcuda is open; calling before that throws
 * {@link UnsatisfiedLinkError}.
 */
public final class CuDirect {
  private static volatile boolean bound;

  private CuDirect() {}

  static synchronized void bind(NativeLibrary libcuda) {
    if (!bound) {
      Native.register(CuDirect.class, libcuda);
      bound = true;
    }
  }

  /**
   * {@code cuLaunchKernel} with {@code kernelParams} as an address (see {@code ParamBlock}) and no
   * extras.
   */
  public static native int cuLaunchKernel(
      long function,
      int gridX,
      int gridY,
      int gridZ,
      int blockX,
      int blockY,
      int blockZ,
      int sharedBytes,
      long stream,
      long kernelParams,
      long extra);

  public static native int cuGraphLaunch(long graphExec, long stream);

  public static native int cuEventRecord(long event, long stream);

  public static native int cuStreamSynchronize(long stream);

  public static native int cuCtxSetCurrent(long context);
}
