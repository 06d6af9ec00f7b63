// Host emulation of the CUDA C the ops use: one std::thread per CUDA thread, one block at a time.
#pragma once
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define __restrict__
struct kj_dim3 { unsigned x = 1, y = 1, z = 1; };
inline thread_local kj_dim3 threadIdx, blockIdx;
inline kj_dim3 blockDim, gridDim;
inline std::barrier<>* kj_block_barrier;
inline std::vector<std::barrier<>*> kj_warp_barriers;
inline float kj_exchange[1024];
inline void __syncthreads() { kj_block_barrier->arrive_and_wait(); }
inline float __shfl_xor_sync(unsigned, float v, int o) {
  const int t = threadIdx.x, w = t / 32, lane = t % 32;
  std::barrier<>* b = kj_warp_barriers[w];
  kj_exchange[t] = v;
  b->arrive_and_wait();
  float r = kj_exchange[w * 32 + (lane ^ o)];
  b->arrive_and_wait();
  return r;
}
inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
template <typename T> inline T __ldcs(const T* p) { return *p; }
#include <cuda_fp16.h>
#include <cuda_bf16.h>
// Runs kernel(args...) over a grid of 1-D blocks.
template <typename F>
void kj_launch(unsigned grid, unsigned block, F kernel) {
  gridDim.x = grid; blockDim.x = block;
  for (unsigned b = 0; b < grid; ++b) {
    std::barrier<> bar(block);
    kj_block_barrier = &bar;
    std::vector<std::barrier<>*> warps;
    for (unsigned w = 0; w < (block + 31) / 32; ++w) warps.push_back(new std::barrier<>(std::min(32u, block - 32 * w)));
    kj_warp_barriers = warps;
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < block; ++t) threads.emplace_back([&, t] { threadIdx.x = t; blockIdx.x = b; kernel(); });
    for (auto& th : threads) th.join();
    for (auto* w : warps) delete w;
  }
}
