package dev.kernelj.runtime.cuda;

import com.sun.jna.ptr.LongByReference;
import dev.kernelj.runtime.driver.CuConstants;
import dev.kernelj.runtime.driver.Driver;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * The load-time second check: the parameter count and sizes the driver reports for a loaded kernel
 * ({@code cuFuncGetParamInfo}, CUDA 12.4+) against those the Java signature declares.
 */
public final class ParamInfoCheck {
  /** What {@link #sizes} returns at an index past the last parameter. */
  public static final long NO_PARAMETER = -1;

  private ParamInfoCheck() {}

  /**
   * The problems, empty when they agree.
   *
   * @param javaSizes parameter sizes of the Java signature
   * @param deviceSize the size of parameter {@code i} as the driver reports it, or {@link
   *     #NO_PARAMETER} past the last one
   * @param where how messages name the method, e.g. {@code "com.acme.Saxpy.saxpy"}
   */
  public static List<String> problems(int[] javaSizes, IntToLongFunction deviceSize, String where) {
    List<String> problems = new ArrayList<>();
    int deviceCount = 0;
    while (deviceCount <= javaSizes.length && deviceSize.applyAsLong(deviceCount) != NO_PARAMETER) {
      deviceCount++;
    }
    if (deviceCount != javaSizes.length) {
      String more =
          deviceCount > javaSizes.length
              ? "more than " + javaSizes.length
              : String.valueOf(deviceCount);
      problems.add(
          where
              + ": the loaded kernel takes "
              + more
              + " parameters, the Java method declares "
              + javaSizes.length);
    }
    for (int i = 0; i < Math.min(deviceCount, javaSizes.length); i++) {
      long size = deviceSize.applyAsLong(i);
      if (size != javaSizes[i]) {
        problems.add(
            where
                + ": parameter "
                + i
                + " is "
                + size
                + " bytes in the loaded kernel but "
                + javaSizes[i]
                + " bytes in the Java method");
      }
    }
    return problems;
  }

  /** The driver's size of parameter {@code index} of {@code function}, or {@link #NO_PARAMETER}. */
  static long deviceSize(long function, int index) {
    LongByReference offset = new LongByReference();
    LongByReference size = new LongByReference();
    int r = Driver.api().cuFuncGetParamInfo(function, index, offset, size);
    if (r == CuConstants.CUDA_ERROR_INVALID_VALUE) {
      return NO_PARAMETER;
    }
    Driver.check(r, "cuFuncGetParamInfo(" + index + ")");
    return size.getValue();
  }

  /** Runs the check against a loaded function when the driver can; throws on disagreement. */
  static void verify(long function, int[] javaSizes, String where) {
    if (!Driver.hasFuncGetParamInfo()) {
      return;
    }
    List<String> problems = problems(javaSizes, i -> deviceSize(function, i), where);
    if (!problems.isEmpty()) {
      throw new KernelSignatureMismatchException(
          String.join("\n", problems)
              + "\n(the class was generated from other CUDA C than was loaded; rebuild it)");
    }
  }
}
