// Shared-memory sum reduction: one partial sum per block.
// Launch with a power-of-two block size and blockDim.x * sizeof(float) bytes of dynamic shared memory.

#define FULL_MASK 0xffffffffu

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    v += __shfl_down_sync(FULL_MASK, v, offset);
  }
  return v;
}

extern "C" __global__ void __launch_bounds__(1024)
block_sum(long long n, const float* __restrict__ input, float* __restrict__ partials) {
  extern __shared__ float tile[];
  const unsigned tid = threadIdx.x;

  // Grid-stride accumulation first, so any grid size covers any n.
  float sum = 0.0f;
  for (long long i = (long long)blockIdx.x * blockDim.x + tid; i < n; i += (long long)gridDim.x * blockDim.x) {
    sum += input[i];
  }
  tile[tid] = sum;
  __syncthreads();

  // Tree reduction in shared memory down to one warp.
  for (unsigned stride = blockDim.x / 2; stride >= 32; stride >>= 1) {
    if (tid < stride) {
      tile[tid] += tile[tid + stride];
    }
    __syncthreads();
  }
  if (tid < 32) {
    float v = blockDim.x >= 32 ? tile[tid] : (tid < blockDim.x ? tile[tid] : 0.0f);
    v = warp_sum(v);
    if (tid == 0) {
      partials[blockIdx.x] = v;
    }
  }
}
