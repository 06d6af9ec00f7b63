// Declarations in the style of the CUTLASS examples, plus the awkward corners of C++ that a
// __global__ declaration can sit in, written for KernelJ's parser corpus.
// Each "//>" line states the expected parse of the next __global__ declaration:
//   name | extern "C" | __launch_bounds__ | template parameters | parameters
#include <cuda_fp16.h>
#include <cstdint>
#include <cstddef>

#define KJ_STR(x) #x
#define KJ_BLOCK 256 /* a comment in a directive,
                        spanning lines */
#define KJ_LOOP(i, n) \
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; \
       i < (n); i += blockDim.x * gridDim.x)

namespace cutlass { struct half_t { unsigned short storage; }; }

namespace example {

/// Naive reference GEMM computation.
//> ReferenceGemm_kernel | no | 0 | - | int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc
__global__ void ReferenceGemm_kernel(
  int M,
  int N,
  int K,
  float alpha,
  float const *A,
  int lda,
  float const *B,
  int ldb,
  float beta,
  float *C,
  int ldc) {

  int i = threadIdx.x + blockIdx.x * blockDim.x;
  int j = threadIdx.y + blockIdx.y * blockDim.y;

  if (i < M && j < N) {
    float accumulator = 0;
    for (int k = 0; k < K; ++k) {
      accumulator += A[i + k * lda] * B[k + j * ldb];
    }
    C[i + j * ldc] = alpha * accumulator + beta * C[i + j * ldc];
  }
}

/// Kernel to initialize a matrix with small integers.
//> InitializeMatrix_kernel | no | 0 | - | float* matrix, int rows, int columns, int seed
__global__ void InitializeMatrix_kernel(
  float *matrix,
  int rows,
  int columns,
  int seed = 0) {
  int i = threadIdx.x + blockIdx.x * blockDim.x;
  if (i < rows * columns) { matrix[i] = float(((i * 16807 + seed) % 16) - 8); }
}

//> Kernel | no | 0 | typename Operator | Operator::Params params
template <typename Operator>
__global__ void Kernel(typename Operator::Params params) {
  // Dynamic shared memory base pointer
  extern __shared__ int SharedStorageBase[];
  (void)params;
}

//> device_kernel | no | 0 | class Operator | const Operator::Params params
template <class Operator>
__global__
#ifdef __CUDACC__
__launch_bounds__(Operator::MaxThreadsPerBlock, Operator::MinBlocksPerMultiprocessor)
#endif
void device_kernel(const __grid_constant__ typename Operator::Params params) {
  (void)params;
}

//> convert_half | no | 0 | - | cutlass::half_t* out, const float* in, size_t n
__global__ void convert_half(cutlass::half_t *out, const float *in, size_t n) {
  KJ_LOOP(i, n) { out[i].storage = (unsigned short)in[i]; }
}

}  // namespace example

// ---- declarations without bodies, extern "C" blocks, odd spellings ----

extern "C" {
//> forward_declared | yes | 0 | - | const float* x, float* y, unsigned long long n
__global__ void forward_declared(const float* x, float* y, unsigned long long n);

//> all_the_ints | yes | 0 | - | char a, signed char b, unsigned char c, short d, short int e, unsigned short f, int g, signed h, unsigned i, long j, long long k, unsigned long long int l, int8_t m, uint64_t o, bool p
__global__ void all_the_ints(char a, signed char b, unsigned char c, short d, short int e,
                             unsigned short f, int g, signed h, unsigned i, long j, long long k,
                             unsigned long long int l, int8_t m, uint64_t o, bool p) {}

//> arrays_decay | yes | 0 | - | float* x, const int* idx, double* grid
__global__ void arrays_decay(float x[], const int idx[64], double grid[KJ_BLOCK]) {
  x[0] = (float)(idx[0] + grid[0]);
}
}

//> unnamed_params | no | 0 | - | float*, const int*, int, unsigned int
__global__ void unnamed_params(float*, const int*, int, unsigned int);

//> strings_and_chars | yes | 128 | - | char* out, int n
extern "C" __global__ void __launch_bounds__(0x80) strings_and_chars(char* out, int n) {
  const char* braces = "}{ \" /* not a comment */ // nor this";
  const char quote = '\'', brace = '}';
  const char* raw = R"kj(raw ) " } { string)kj";
  int big = 1'000'000;
  out[0] = braces[0] + quote + brace + raw[0] + (char)(big + n);
}

//> attributes_everywhere | no | 64 | - | const float* __restrict__ in, float* __restrict__ out
[[maybe_unused]] static __global__ __attribute__((noinline)) void __launch_bounds__(64, 4)
attributes_everywhere(const float* __restrict__ in, float* __restrict__ out) {
  out[threadIdx.x] = in[threadIdx.x];
}

//> volatile_and_const_after | no | 0 | - | int* flag, const float* a, const float* b, float* c, const unsigned n
__global__ void volatile_and_const_after(volatile int * flag, float const * a,
                                         const float * const b, float * const c,
                                         const unsigned n) {
  *flag = 1; c[0] = a[0] + b[0] + n;
}

//> overloaded | no | 0 | - | float* x, int n
__global__ void overloaded(float* x, int n) { x[0] = n; }

//> overloaded | no | 0 | - | double* x, int n
__global__ void overloaded(double* x, int n) { x[0] = n; }

namespace outer { inline namespace v1 {
//> in_nested_namespace | no | 0 | - | void* dst, const void* src, ptrdiff_t bytes
__global__ void in_nested_namespace(void* dst, const void* src, ptrdiff_t bytes) {
  ((char*)dst)[0] = ((const char*)src)[0] + (char)bytes;
}
} }

//> scale | no | 0 | typename T | T* x, T alpha, int64_t n
template <typename T>
__global__ void scale(T* x, T alpha, int64_t n);

template <typename T>
__global__ void scale(T* x, T alpha, int64_t n) {
  for (int64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) { x[i] *= alpha; }
}

// Explicit instantiations and specialisations are not new kernels.
template __global__ void scale<float>(float*, float, int64_t);
template __global__ void scale<double>(double*, double, int64_t);
template <> __global__ void scale<int>(int* x, int alpha, int64_t n) { x[0] = alpha * (int)n; }

//> pointer_to_pointer | no | 0 | - | const float** rows, float* __restrict__ out, int n
__global__ void pointer_to_pointer(const float** rows, float* __restrict__ out, int n) {
  out[0] = rows[0][0] + n;
}

//> half_args | no | 0 | - | const __half* x, __half* y, __half alpha, half beta
__global__ void half_args(const __half* x, __half* y, __half alpha, half beta) {
  y[0] = __hadd(__hmul(x[0], alpha), beta);
}
