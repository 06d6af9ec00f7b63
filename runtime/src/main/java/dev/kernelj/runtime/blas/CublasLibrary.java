package dev.kernelj.runtime.blas;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/**
 * The raw cuBLAS API ({@code cublas_api.h}) with C symbol names: the {@code _v2} entry points that
 * {@code cublas_v2.h} maps the public names to. Handles, streams and device pointers are {@code
 * long}; {@code alpha}/{@code beta} are host pointers (the default pointer mode).
 */
@SuppressWarnings("unused")
public interface CublasLibrary extends Library {
  int cublasCreate_v2(LongByReference handle);

  int cublasDestroy_v2(long handle);

  int cublasSetStream_v2(long handle, long stream);

  int cublasGetVersion_v2(long handle, IntByReference version);

  String cublasGetStatusName(int status);

  String cublasGetStatusString(int status);

  int cublasGemmEx(
      long handle,
      int transa,
      int transb,
      int m,
      int n,
      int k,
      Pointer alpha,
      long a,
      int aType,
      int lda,
      long b,
      int bType,
      int ldb,
      Pointer beta,
      long c,
      int cType,
      int ldc,
      int computeType,
      int algo);
}
