package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.DType;

/**
 * One cuBLAS GEMM in cuBLAS's own column-major terms, {@code C = alpha op(A) op(B) + beta C}, with
 * f32 compute ({@code CUBLAS_COMPUTE_32F}): what {@code cublasGemmEx} or a cuBLASLt matmul takes.
 * {@link BlasMatmul} builds it from a row-major problem; the backend's device port runs it.
 *
 * @param transA whether op(A) = A^T
 * @param transB whether op(B) = B^T
 * @param m rows of op(A) and C
 * @param n columns of op(B) and C
 * @param k columns of op(A), rows of op(B)
 * @param abType element type of A and B
 * @param a device address of A
 * @param lda leading dimension of A, in elements
 * @param b device address of B
 * @param ldb leading dimension of B
 * @param cType element type of C
 * @param c device address of C
 * @param ldc leading dimension of C
 * @param alpha scale of the product
 * @param beta scale of C's previous contents (0: C is write-only)
 */
public record GemmCall(
    boolean transA,
    boolean transB,
    int m,
    int n,
    int k,
    DType abType,
    long a,
    long lda,
    long b,
    long ldb,
    DType cType,
    long c,
    long ldc,
    float alpha,
    float beta) {}
