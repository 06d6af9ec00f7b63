package dev.kernelj.runtime.blas;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/**
 * The raw cuBLASLt API ({@code cublasLt.h}). Descriptor handles are opaque pointers passed as
 * {@code long}; {@code cublasLtMatmulHeuristicResult_t} is read from native memory at the offsets
 * in {@link BlasConstants}.
 */
@SuppressWarnings("unused")
public interface CublasLtLibrary extends Library {
  int cublasLtCreate(LongByReference handle);

  int cublasLtDestroy(long handle);

  String cublasLtGetStatusName(int status);

  String cublasLtGetStatusString(int status);

  long cublasLtGetVersion();

  int cublasLtMatmulDescCreate(LongByReference desc, int computeType, int scaleType);

  int cublasLtMatmulDescDestroy(long desc);

  int cublasLtMatmulDescSetAttribute(long desc, int attribute, Pointer value, long sizeInBytes);

  int cublasLtMatrixLayoutCreate(LongByReference layout, int type, long rows, long cols, long ld);

  int cublasLtMatrixLayoutDestroy(long layout);

  int cublasLtMatmulPreferenceCreate(LongByReference preference);

  int cublasLtMatmulPreferenceDestroy(long preference);

  int cublasLtMatmulPreferenceSetAttribute(
      long preference, int attribute, Pointer value, long sizeInBytes);

  int cublasLtMatmulAlgoGetHeuristic(
      long handle,
      long desc,
      long aDesc,
      long bDesc,
      long cDesc,
      long dDesc,
      long preference,
      int requestedAlgoCount,
      Pointer heuristicResults,
      IntByReference returnAlgoCount);

  int cublasLtMatmul(
      long handle,
      long desc,
      Pointer alpha,
      long a,
      long aDesc,
      long b,
      long bDesc,
      Pointer beta,
      long c,
      long cDesc,
      long d,
      long dDesc,
      Pointer algo,
      long workspace,
      long workspaceBytes,
      long stream);

  /** Whether {@code algo} runs this problem on this device; fills workspaceSize and wavesCount. */
  int cublasLtMatmulAlgoCheck(
      long handle,
      long desc,
      long aDesc,
      long bDesc,
      long cDesc,
      long dDesc,
      Pointer algo,
      Pointer heuristicResult);

  int cublasLtMatmulAlgoConfigGetAttribute(
      Pointer algo, int attribute, Pointer value, long sizeInBytes, LongByReference sizeWritten);

  int cublasLtMatmulAlgoConfigSetAttribute(
      Pointer algo, int attribute, Pointer value, long sizeInBytes);
}
