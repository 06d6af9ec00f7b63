package dev.kernelj.runtime.driver;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.kernelj.runtime.nativelib.NativeLibraries;
import java.util.Map;

/**
 * The checked layer over {@link CuDriverLibrary}: opens libcuda on first use, calls {@code
 * cuInit(0)} once, binds {@link CuDirect}, and turns {@code CUresult} codes into {@link
 * CudaException}s carrying the code's name and the driver's text.
 */
public final class Driver {
  private static volatile CuDriverLibrary api;
  private static volatile NativeLibrary library;
  private static volatile Boolean hasParamInfo;

  private Driver() {}

  /** The raw API, libcuda opened and initialised. */
  public static CuDriverLibrary api() {
    CuDriverLibrary a = api;
    if (a != null) {
      return a;
    }
    synchronized (Driver.class) {
      if (api == null) {
        NativeLibrary lib = NativeLibraries.load(NativeLibraries.CUDA);
        CuDriverLibrary loaded =
            Native.load(
                lib.getFile() != null ? lib.getFile().getPath() : lib.getName(),
                CuDriverLibrary.class,
                Map.of());
        check(loaded.cuInit(0), "cuInit", loaded);
        CuDirect.bind(lib);
        library = lib;
        api = loaded;
      }
      return api;
    }
  }

  /** The opened libcuda, for optional symbol look-ups. */
  public static NativeLibrary library() {
    api();
    return library;
  }

  /** Throws a {@link CudaException} for a non-zero {@code result} of {@code call}. */
  public static void check(int result, String call) {
    if (result != CuConstants.CUDA_SUCCESS) {
      throw exception(result, call);
    }
  }

  private static void check(int result, String call, CuDriverLibrary lib) {
    if (result != CuConstants.CUDA_SUCCESS) {
      throw new CudaException(result, errorName(lib, result), errorText(lib, result), call);
    }
  }

  /**
   * The exception for {@code result} of {@code call}, with the driver's name and text for the code.
   */
  public static CudaException exception(int result, String call) {
    CuDriverLibrary lib = api;
    return new CudaException(result, errorName(lib, result), errorText(lib, result), call);
  }

  private static String errorName(CuDriverLibrary lib, int result) {
    if (lib == null) {
      return "CUresult " + result;
    }
    PointerByReference ref = new PointerByReference();
    if (lib.cuGetErrorName(result, ref) != 0 || ref.getValue() == null) {
      return "unknown CUresult " + result;
    }
    return ref.getValue().getString(0);
  }

  private static String errorText(CuDriverLibrary lib, int result) {
    if (lib == null) {
      return "(no driver text: libcuda not initialised)";
    }
    PointerByReference ref = new PointerByReference();
    if (lib.cuGetErrorString(result, ref) != 0 || ref.getValue() == null) {
      return "(the driver has no text for this code)";
    }
    return ref.getValue().getString(0);
  }

  /** The driver's CUDA version as an integer, e.g. 13000 for 13.0. */
  public static int driverVersion() {
    IntByReference v = new IntByReference();
    check(api().cuDriverGetVersion(v), "cuDriverGetVersion");
    return v.getValue();
  }

  /** Whether the driver exports {@code cuFuncGetParamInfo} (CUDA 12.4+). */
  public static boolean hasFuncGetParamInfo() {
    Boolean has = hasParamInfo;
    if (has == null) {
      has = hasSymbol("cuFuncGetParamInfo");
      hasParamInfo = has;
    }
    return has;
  }

  /** Whether libcuda exports {@code symbol}. */
  public static boolean hasSymbol(String symbol) {
    try {
      library().getFunction(symbol);
      return true;
    } catch (UnsatisfiedLinkError e) {
      return false;
    }
  }

  /** A host pointer's address, for logs. */
  public static long address(Pointer p) {
    return Pointer.nativeValue(p);
  }
}
