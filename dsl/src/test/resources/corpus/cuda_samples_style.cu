// Declarations in the style of the CUDA samples and of llm.c, written for KernelJ's parser corpus.
// Each "//>" line states the expected parse of the next __global__ declaration:
//   name | extern "C" | __launch_bounds__ | template parameters | parameters (typedefs resolved)
#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cooperative_groups.h>
#include <stdint.h>

namespace cg = cooperative_groups;

typedef __nv_bfloat16 floatX;
#define WARP_SIZE 32
#define CEIL_DIV(M, N) (((M) + (N)-1) / (N))

//> vectorAdd | no | 0 | - | const float* A, const float* B, float* C, int numElements
__global__ void vectorAdd(const float *A, const float *B, float *C,
                          int numElements) {
  int i = blockDim.x * blockIdx.x + threadIdx.x;

  if (i < numElements) {
    C[i] = A[i] + B[i] + 0.0f;
  }
}

/**
 * Matrix multiplication (CUDA Kernel) on the device: C = A * B
 * wA is A's width and wB is B's width
 */
//> MatrixMulCUDA | no | 0 | int BLOCK_SIZE | float* C, float* A, float* B, int wA, int wB
template <int BLOCK_SIZE> __global__ void MatrixMulCUDA(float *C, float *A,
    float *B, int wA,
    int wB) {
  __shared__ float As[BLOCK_SIZE][BLOCK_SIZE];
  int aBegin = wA * BLOCK_SIZE * blockIdx.y;
  C[aBegin] = As[0][0] + B[0] + A[0] + wB;
}

//> reduce6 | no | 0 | class T, unsigned int blockSize, bool nIsPow2 | T* g_idata, T* g_odata, unsigned int n
template <class T, unsigned int blockSize, bool nIsPow2>
__global__ void reduce6(T *g_idata, T *g_odata, unsigned int n) {
  cg::thread_block cta = cg::this_thread_block();
  T mySum = 0;
  unsigned int i = blockIdx.x * blockSize * 2 + threadIdx.x;
  if (nIsPow2 || i + blockSize < n) mySum += g_idata[i];
  if (cta.thread_rank() == 0) g_odata[blockIdx.x] = mySum;
}

//> transposeNoBankConflicts | no | 0 | - | float* odata, float* idata, int width, int height
__global__ void transposeNoBankConflicts(float *odata, float *idata, int width,
                                         int height) {
  __shared__ float tile[32][32 + 1];
  tile[threadIdx.y][threadIdx.x] = idata[0];
  odata[0] = tile[0][0] + width + height;
}

//> histogram64Kernel | yes | 0 | - | unsigned int* d_PartialHistograms, unsigned int* d_Data, unsigned int dataCount
extern "C" __global__ void histogram64Kernel(unsigned int *d_PartialHistograms,
                                             unsigned int *d_Data,
                                             unsigned int dataCount) {
  d_PartialHistograms[0] = d_Data[0] + dataCount;
}

//> simpleKernel | no | 0 | - | int* dst, int* src, int num
__global__ void simpleKernel(int *dst, int *src, int num) {
  // Dummy kernel: "strings" and 'c'hars in comments don't matter { }
  int idx = blockIdx.x * blockDim.x + threadIdx.x;
  dst[idx] = src[idx] / num;
}

//> clock_block | no | 0 | - | clock_t* d_o, clock_t clock_count
__global__ void clock_block(clock_t *d_o, clock_t clock_count) {
  unsigned int start_clock = (unsigned int)clock();
  clock_t clock_offset = 0;
  while (clock_offset < clock_count) {
    unsigned int end_clock = (unsigned int)clock();
    clock_offset = (clock_t)(end_clock - start_clock);
  }
  d_o[0] = clock_offset;
}

//> encoder_forward_kernel3 | no | 0 | - | __nv_bfloat16* out, const int* inp, const __nv_bfloat16* wte, const __nv_bfloat16* wpe, int B, int T, int C
__global__ void encoder_forward_kernel3(floatX* out,
                               const int* inp, const floatX* wte, const floatX* wpe,
                               int B, int T, int C) {
    int idx = (blockIdx.x * blockDim.x + threadIdx.x);
    int N = B * T * C;
    if (idx >= N) { return; }
    out[idx] = wte[inp[0]] + wpe[0];
}

//> layernorm_forward_kernel6 | no | 512 | - | __nv_bfloat16* __restrict__ out, float* __restrict__ mean, float* __restrict__ rstd, const __nv_bfloat16* __restrict__ inp, const __nv_bfloat16* __restrict__ weight, const __nv_bfloat16* __restrict__ bias, int N, int C
__global__ void __launch_bounds__(512, 2) // todo - any warnings on Turing with only 1024 threads?
    layernorm_forward_kernel6(floatX* __restrict__ out, float* __restrict__ mean, float* __restrict__ rstd,
                              const floatX*  __restrict__ inp, const floatX*  __restrict__ weight,
                              const floatX* __restrict__ bias, int N, int C) {
    out[0] = inp[0] * weight[0] + bias[0];
    mean[0] = rstd[0] = (float)(N + C);
}

//> adamw_kernel3 | no | 0 | typename Tp, typename Tg | Tp* params_memory, float* master_params_memory, Tg* grads_memory, float* m_memory, float* v_memory, size_t num_parameters, ptrdiff_t w_stride, ptrdiff_t g_stride, ptrdiff_t s_stride, float learning_rate, float beta1, float beta2, float beta1_correction, float beta2_correction, float eps, float weight_decay, float grad_scale, unsigned int seed
template <typename Tp, typename Tg>
__global__ void adamw_kernel3(Tp* params_memory, float* master_params_memory, Tg* grads_memory, float* m_memory, float* v_memory, size_t num_parameters,
                              ptrdiff_t w_stride, ptrdiff_t g_stride, ptrdiff_t s_stride,
                              float learning_rate, float beta1, float beta2, float beta1_correction, float beta2_correction, float eps, float weight_decay,
                              float grad_scale, unsigned int seed) {
    (void)params_memory; (void)master_params_memory; (void)grads_memory;
}

//> softmax_forward_kernel5 | no | 0 | - | __nv_bfloat16* out, float inv_temperature, const __nv_bfloat16* inp, int N, int T
__global__ void softmax_forward_kernel5(floatX* out, float inv_temperature, const floatX* inp, int N, int T) {
    // inp, out shape: (N, T, T), where N = B * NH
    assert(T % 4  == 0);
    out[0] = inp[0] * (floatX)inv_temperature + (floatX)(float)(N);
}

//> fused_classifier_kernel5 | no | 1024 | - | __nv_bfloat16* logits, __nv_bfloat16* losses, __nv_bfloat16* probs, const float dloss, const int* targets, int B, int T, int V, int P
__global__ void __launch_bounds__(1024, 1) fused_classifier_kernel5(floatX* logits, floatX* losses, floatX* probs,
                                                                  const float dloss, const int* targets,
                                                                  int B, int T, int V, int P) {
    losses[0] = logits[0] + probs[0] + (floatX)dloss + (floatX)(float)(targets[0] + B + T + V + P);
}

//> global_norm_squared_kernel | no | 0 | class T | float* out, const T* data, size_t count, ptrdiff_t stride
template<class T>
__global__ void global_norm_squared_kernel(float* out, const T* data, size_t count, ptrdiff_t stride) {
    out[0] = (float)data[0] + (float)(count + stride);
}

//> copy_and_cast_kernel | no | 0 | typename Td, typename Ts | Td* dst, const Ts* src, size_t n, ptrdiff_t stride_dst, ptrdiff_t stride_src
template<typename Td, typename Ts>
__global__ void copy_and_cast_kernel(Td* dst, const Ts* src, size_t n, ptrdiff_t stride_dst, ptrdiff_t stride_src) {
    dst[0] = (Td)src[0];
}

//> bitonicSortShared | yes | 0 | - | uint* d_DstKey, uint* d_DstVal, uint* d_SrcKey, uint* d_SrcVal, uint arrayLength, uint dir
extern "C"
__global__ void bitonicSortShared(uint *d_DstKey, uint *d_DstVal,
                                  uint *d_SrcKey, uint *d_SrcVal,
                                  uint arrayLength, uint dir) {
  d_DstKey[0] = d_SrcKey[0]; d_DstVal[0] = d_SrcVal[0] + arrayLength + dir;
}
