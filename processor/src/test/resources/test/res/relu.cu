// A kernel kept in a resource file beside its interface (test.res.Relu).
#include <cuda_fp16.h>

#define BLOCK 256

extern "C" __global__ void __launch_bounds__(BLOCK) relu(long long n, const __half* __restrict__ in, __half* __restrict__ out) {
  long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    out[i] = __hgt(in[i], __float2half(0.0f)) ? in[i] : __float2half(0.0f);
  }
}
