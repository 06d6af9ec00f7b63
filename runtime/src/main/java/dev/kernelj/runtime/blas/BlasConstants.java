package dev.kernelj.runtime.blas;

import dev.kernelj.dsl.DType;

/**
 * Enum values from {@code library_types.h}, {@code cublas_api.h} and {@code cublasLt.h} (CUDA
 * 12/13), and the layout of {@code cublasLtMatmulHeuristicResult_t}.
 */
public final class BlasConstants {
  private BlasConstants() {}

  // cudaDataType_t
  public static final int CUDA_R_32F = 0;
  public static final int CUDA_R_64F = 1;
  public static final int CUDA_R_16F = 2;
  public static final int CUDA_R_8I = 3;
  public static final int CUDA_R_32I = 10;
  public static final int CUDA_R_16BF = 14;

  // cublasOperation_t
  public static final int CUBLAS_OP_N = 0;
  public static final int CUBLAS_OP_T = 1;

  // cublasComputeType_t
  public static final int CUBLAS_COMPUTE_32F = 68;

  // cublasGemmAlgo_t
  public static final int CUBLAS_GEMM_DEFAULT = -1;

  // cublasStatus_t
  public static final int CUBLAS_STATUS_SUCCESS = 0;

  // cublasLtMatmulDescAttributes_t
  public static final int CUBLASLT_MATMUL_DESC_TRANSA = 3;
  public static final int CUBLASLT_MATMUL_DESC_TRANSB = 4;

  // cublasLtMatmulPreferenceAttributes_t
  public static final int CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;

  /**
   * sizeof(cublasLtMatmulHeuristicResult_t): algo (64), workspaceSize (8), state (4), wavesCount
   * (4), reserved (16).
   */
  public static final int HEURISTIC_RESULT_BYTES = 96;

  public static final int HEURISTIC_WORKSPACE_OFFSET = 64;
  public static final int HEURISTIC_STATE_OFFSET = 72;

  /** The {@code cudaDataType_t} of a matrix of {@code dtype}: F32, F16 or BF16. */
  public static int dataType(DType dtype) {
    return switch (dtype) {
      case F32 -> CUDA_R_32F;
      case F16 -> CUDA_R_16F;
      case BF16 -> CUDA_R_16BF;
      case F64 -> CUDA_R_64F;
      default ->
          throw new IllegalArgumentException(
              "cuBLAS GEMM here takes F32, F16 or BF16 matrices, not " + dtype);
    };
  }
}
