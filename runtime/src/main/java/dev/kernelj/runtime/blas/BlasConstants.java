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
  public static final int CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK = 3;
  public static final int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES = 5;
  public static final int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES = 6;
  public static final int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES = 7;
  public static final int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES = 8;

  // cublasLtMatmulAlgoConfigAttributes_t (both uint32_t)
  public static final int CUBLASLT_ALGO_CONFIG_SPLITK_NUM = 2;
  public static final int CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME = 3;

  // cublasLtReductionScheme_t: NONE computes each dot product in one sequence (no split-K).
  public static final int CUBLASLT_REDUCTION_SCHEME_NONE = 0;
  public static final int CUBLASLT_REDUCTION_SCHEME_MASK = 0x7;

  /** sizeof(cublasLtMatmulAlgo_t): eight uint64_t, the first member of a heuristic result. */
  public static final int ALGO_BYTES = 64;

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
