package dev.kernelj.runtime.blas;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import dev.kernelj.runtime.nativelib.NativeLibraries;
import java.util.Map;

/**
 * Opens cuBLASLt and cuBLAS (in that order: libcublas needs libcublasLt already loaded when found
 * by path).
 */
final class BlasLibraries {
  private static volatile CublasLibrary cublas;
  private static volatile CublasLtLibrary cublasLt;

  private BlasLibraries() {}

  static CublasLtLibrary lt() {
    if (cublasLt == null) {
      synchronized (BlasLibraries.class) {
        if (cublasLt == null) {
          NativeLibrary lib = NativeLibraries.load(NativeLibraries.CUBLASLT);
          cublasLt = Native.load(path(lib), CublasLtLibrary.class, Map.of());
        }
      }
    }
    return cublasLt;
  }

  static CublasLibrary cublas() {
    if (cublas == null) {
      synchronized (BlasLibraries.class) {
        if (cublas == null) {
          lt();
          NativeLibrary lib = NativeLibraries.load(NativeLibraries.CUBLAS);
          cublas = Native.load(path(lib), CublasLibrary.class, Map.of());
        }
      }
    }
    return cublas;
  }

  private static String path(NativeLibrary lib) {
    return lib.getFile() != null ? lib.getFile().getPath() : lib.getName();
  }

  static void check(int status, String call) {
    if (status != BlasConstants.CUBLAS_STATUS_SUCCESS) {
      throw new CublasException(status, statusName(status), call);
    }
  }

  static void checkLt(int status, String call) {
    if (status != BlasConstants.CUBLAS_STATUS_SUCCESS) {
      String name;
      try {
        name = lt().cublasLtGetStatusName(status);
      } catch (UnsatisfiedLinkError e) {
        name = "cublasStatus_t " + status;
      }
      throw new CublasException(status, name, call);
    }
  }

  private static String statusName(int status) {
    try {
      return cublas().cublasGetStatusName(status);
    } catch (UnsatisfiedLinkError e) {
      return "cublasStatus_t " + status;
    }
  }
}
