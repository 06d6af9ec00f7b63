// Host emulation of the CUDA C the ops use: one std::thread per CUDA thread, one block at a time.
#pragma once
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdlib>
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
template <typename T> inline T __ldg(const T* p) { return *p; }
template <typename T> inline T __ldcg(const T* p) { return *p; }
inline float __uint_as_float(unsigned i) { float f; std::memcpy(&f, &i, 4); return f; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline void __threadfence() {}
// Blocks run one after another, so a plain read-modify-write is atomic here.
inline unsigned atomicAdd(unsigned* p, unsigned v) { unsigned old = *p; *p = old + v; return old; }
inline unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
  const unsigned long long bytes = (unsigned long long)y << 32 | x;
  unsigned r = 0;
  for (int i = 0; i < 4; ++i) r |= (unsigned)((bytes >> (8 * ((s >> (4 * i)) & 7))) & 0xFF) << (8 * i);
  return r;
}
inline unsigned kj_exchange_u[1024];
inline unsigned __shfl_sync(unsigned, unsigned v, int src) {
  const int t = threadIdx.x, w = t / 32;
  std::barrier<>* b = kj_warp_barriers[w];
  kj_exchange_u[t] = v;
  b->arrive_and_wait();
  unsigned r = kj_exchange_u[w * 32 + (src & 31)];
  b->arrive_and_wait();
  return r;
}
inline float __shfl_sync(unsigned mask, float v, int src) {
  unsigned bits;
  std::memcpy(&bits, &v, 4);
  return __uint_as_float(__shfl_sync(mask, bits, src));
}
#define KJ_HOST_EMULATION 1
#include <cuda_fp16.h>
#include <cuda_bf16.h>
// Dynamic shared memory: one buffer of the launch's size (env KJ_DYNAMIC_SHARED_BYTES, set by HostEmulator),
// filled with 0xFF bytes (NaN in f16/bf16/f32) before each block, so a read of anything not staged shows.
inline std::vector<uint4> kj_dynamic_shared_store;
inline uint4* kj_dynamic_shared;
#define KJ_DYNAMIC_SHARED(name) uint4* name = kj_dynamic_shared
// mma.sync.m16n8k16 (f16 or bf16 inputs, f32 accumulators) across the warp, with the PTX fragment
// layout: lane (g, t) = (lane / 4, lane % 4) holds A[g][2t..], A[g+8][2t..], A[g][2t+8..], A[g+8][2t+8..],
// B[2t..][g], B[2t+8..][g] (two elements per register, low half first) and C[g][2t..], C[g+8][2t..].
struct KjMmaLane { unsigned a[4]; unsigned b[2]; };
inline KjMmaLane kj_mma_lanes[1024];
inline float kj_host_element(unsigned reg, int high, bool bf16) {
  const unsigned short bits = (unsigned short)(high ? reg >> 16 : reg & 0xFFFF);
  if (bf16) return __uint_as_float((unsigned)bits << 16);
  __half_raw raw; raw.x = bits;
  return __half2float(__half(raw));
}
inline void kj_host_mma_m16n8k16(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1, bool bf16) {
  const int tid = threadIdx.x, w = tid / 32, lane = tid % 32;
  std::barrier<>* bar = kj_warp_barriers[w];
  kj_mma_lanes[tid] = {{a[0], a[1], a[2], a[3]}, {b0, b1}};
  bar->arrive_and_wait();
  float A[16][16], B[16][8];
  for (int l = 0; l < 32; ++l) {
    const KjMmaLane& f = kj_mma_lanes[w * 32 + l];
    const int G = l / 4, T = l % 4;
    for (int h = 0; h < 2; ++h) {
      A[G][2 * T + h] = kj_host_element(f.a[0], h, bf16);
      A[G + 8][2 * T + h] = kj_host_element(f.a[1], h, bf16);
      A[G][2 * T + 8 + h] = kj_host_element(f.a[2], h, bf16);
      A[G + 8][2 * T + 8 + h] = kj_host_element(f.a[3], h, bf16);
      B[2 * T + h][G] = kj_host_element(f.b[0], h, bf16);
      B[2 * T + 8 + h][G] = kj_host_element(f.b[1], h, bf16);
    }
  }
  const int g = lane / 4, t = lane % 4;
  for (int i = 0; i < 4; ++i) {
    const int row = g + 8 * (i >> 1), col = 2 * t + (i & 1);
    float s = 0.f;
    for (int k = 0; k < 16; ++k) s += A[row][k] * B[k][col];
    d[i] += s;
  }
  bar->arrive_and_wait();
}
// Runs kernel(args...) over a grid of 1-D blocks.
template <typename F>
void kj_launch(unsigned grid, unsigned block, F kernel) {
  gridDim.x = grid; blockDim.x = block;
  const char* shared = std::getenv("KJ_DYNAMIC_SHARED_BYTES");
  kj_dynamic_shared_store.assign(((shared ? std::atoll(shared) : 0) + 15) / 16 + 1, uint4{});
  kj_dynamic_shared = kj_dynamic_shared_store.data();
  for (unsigned b = 0; b < grid; ++b) {
    std::memset(kj_dynamic_shared, 0xFF, kj_dynamic_shared_store.size() * sizeof(uint4));
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
