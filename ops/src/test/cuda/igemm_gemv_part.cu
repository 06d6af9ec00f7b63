// The GEMV entry point exactly as Gemv.java launches it (grid n / 16, 256 threads), in a translation unit of its
// own: its CUDA C repeats the prelude that the batch-invariant GEMM's source also carries.
#include <cuda_runtime.h>
#include "gemv_source.cu"

void launch_gemv_bf16(__nv_bfloat16* out, const __nv_bfloat16* x, const __nv_bfloat16* w, int rows, int n, int k,
                      cudaStream_t s) {
  kj_gemv_mma<__nv_bfloat16, __nv_bfloat16, __nv_bfloat16><<<(n + 15) / 16, 256, 0, s>>>(out, x, w, rows, n, k, k, k, n);
}
