package dev.kernelj.runtime.cuda;

import com.sun.jna.ptr.IntByReference;
import dev.kernelj.runtime.driver.CudaException;
import dev.kernelj.runtime.driver.Driver;
import dev.kernelj.runtime.nativelib.CudaLibraryNotFoundException;

/**
 * Entry point to the CUDA driver: initialisation, device count, driver version, and whether a GPU
 * is usable at all (with the reason when not, for tests and CLIs that must say why they skip).
 *
 * <pre>{@code
 * try (CudaContext ctx = Cuda.device(0).primaryContext()) { ... }
 * }</pre>
 */
public final class Cuda {
  private Cuda() {}

  /** Opens libcuda and calls {@code cuInit}; idempotent. */
  public static void init() {
    Driver.api();
  }

  /** Number of CUDA devices the driver sees. */
  public static int deviceCount() {
    IntByReference count = new IntByReference();
    Driver.check(Driver.api().cuDeviceGetCount(count), "cuDeviceGetCount");
    return count.getValue();
  }

  /** Driver CUDA version, e.g. 13000 for 13.0. */
  public static int driverVersion() {
    return Driver.driverVersion();
  }

  /** The device of this ordinal. */
  public static CudaDevice device(int ordinal) {
    IntByReference handle = new IntByReference();
    Driver.check(Driver.api().cuDeviceGet(handle, ordinal), "cuDeviceGet(" + ordinal + ")");
    return new CudaDevice(ordinal, handle.getValue());
  }

  /** Shortcut: the primary context of device {@code ordinal}, retained and made current. */
  public static CudaContext context(int ordinal) {
    return device(ordinal).primaryContext();
  }

  /** Whether libcuda loads, initialises, and reports at least one device. */
  public static boolean isAvailable() {
    return unavailableReason() == null;
  }

  /** Why no GPU can be used here, in one line, or null when one can. */
  public static String unavailableReason() {
    try {
      int n = deviceCount();
      return n > 0 ? null : "the CUDA driver reports no device";
    } catch (CudaLibraryNotFoundException e) {
      return "libcuda cannot be loaded ("
          + e.attempts().size()
          + " places tried; set KERNELJ_LIBCUDA to its path if it exists)";
    } catch (CudaException e) {
      return "the CUDA driver failed to start: " + e.getMessage();
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      return "the native bridge (JNA) failed: " + e.getMessage();
    }
  }
}
