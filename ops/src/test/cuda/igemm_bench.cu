// Standalone check-and-time harness for the batch-invariant GEMM's few-row path (not built by Maven; see
// build_igemm_bench.sh). Times layouts of kj_ig::igemm_few (the template InvariantGemmSource carries) against the
// one-warp tile it replaces, KernelJ's GEMV and cuBLAS's own choice (the non-invariant path), on the projection
// shapes of Llama-3-8B and Llama-3.2-1B (bf16, lm_head with f32 out), at 1 to 64 rows with k unsplit.
//
// 1. Bits: with k unsplit every layout runs the same chain of mma steps per output, so each must give exactly the
//    bits of the one-warp tile `igemm<.., 16, 16, 1, 1, 64, 8>` (which the H200 probe found equal to the pinned
//    cuBLASLt algorithm's); outputs are poisoned with NaN before each run, and a guard row past m must stay NaN.
// 2. Ceiling: device-to-device copy bandwidth (read + write counted), 256 MiB.
// 3. Time: 50 back-to-back launches between two events; the weights rotate over copies totalling more than 3x L2.
//    Bytes = weight + x + out.
//
// Usage: igemm_bench [--shape NxK] [--rows M] [--variant SUBSTRING] [--reps R]
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <algorithm>
#include <functional>
#include <string>
#include <cstring>  // the source's host branches (never run here) name std::memcpy
#include <vector>
#include "bench_common.cuh"
#include "igemm_source.cu"

typedef __nv_bfloat16 bf16;
#define CK(call) do { cudaError_t e_ = (call); if (e_ != cudaSuccess) { \
  fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorName(e_), __FILE__, __LINE__, cudaGetErrorString(e_)); exit(2); } } while (0)

void launch_gemv_bf16(bf16* out, const bf16* x, const bf16* w, int rows, int n, int k, cudaStream_t s);

static cudaStream_t g_stream;
static int g_sms;

struct Args { void* out; const bf16* x; const bf16* w; int m, n, k; bool f32out; };
struct Variant {
  std::string name;
  std::function<bool(const Args&)> run;  // false: does not take these operands
  bool same_bits;                        // must equal the reference's bits
};

template <typename O, int BW, int BT, int WW, int WT, int BK, int STAGES>
static bool run_igemm(const Args& a, int splits, float* partials) {
  const int smem = STAGES * (BW + BT) * (BK + 8) * 2;
  auto kern = kj_igemm<bf16, O, BW, BT, WW, WT, BK, STAGES>;
  CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
  const int blocks = (a.n + BW - 1) / BW * ((a.m + BT - 1) / BT) * splits;
  kern<<<blocks, 32 * WW * WT, smem, g_stream>>>((O*)a.out, partials, a.x, a.w, a.m, a.n, a.k, a.k, a.k, a.n, splits);
  if (splits > 1)
    kj_ireduce<O><<<std::min(4096, (a.m * a.n + 255) / 256), 256, 0, g_stream>>>((O*)a.out, partials, a.m, a.n, a.n, splits);
  return true;
}

// Layouts of kj_igemm_few, the entry point InvariantGemmKernels declares (its @Globals instantiate two of them).
template <int WARPS, int BT, int BK, int STAGES>
static Variant few() {
  char name[64];
  snprintf(name, sizeof name, "few W%d BT%d BK%d ST%d", WARPS, BT, BK, STAGES);
  return Variant{name, [](const Args& a) {
    const int smem = STAGES * (16 * WARPS + BT) * (BK + 8) * 2;
    const int blocks = (a.n + 16 * WARPS - 1) / (16 * WARPS) * ((a.m + BT - 1) / BT);
    if (a.f32out) {
      auto kern = kj_igemm_few<bf16, float, WARPS, BT, BK, STAGES>;
      CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
      kern<<<blocks, 32 * WARPS, smem, g_stream>>>((float*)a.out, a.x, a.w, a.m, a.n, a.k, a.k, a.k, a.n);
    } else {
      auto kern = kj_igemm_few<bf16, bf16, WARPS, BT, BK, STAGES>;
      CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
      kern<<<blocks, 32 * WARPS, smem, g_stream>>>((bf16*)a.out, a.x, a.w, a.m, a.n, a.k, a.k, a.k, a.n);
    }
    return true;
  }, true};
}

// cuBLAS, loaded at run time (the build machine has no libcublas): its default choice is the non-invariant path
// above the GEMV's 8 rows.
typedef int (*CublasCreate)(void**);
typedef int (*CublasSetStream)(void*, cudaStream_t);
typedef int (*CublasGemmEx)(void*, int, int, int, int, int, const void*, const void*, int, int, const void*, int, int,
                            const void*, void*, int, int, int, int);
static void* g_cublas;
static CublasGemmEx g_gemm_ex;
static bool load_cublas() {
  void* lib = nullptr;
  for (const char* name : {"libcublas.so", "libcublas.so.13", "libcublas.so.12"})
    if ((lib = dlopen(name, RTLD_NOW))) break;
  if (!lib) return false;
  auto create = (CublasCreate)dlsym(lib, "cublasCreate_v2");
  auto set_stream = (CublasSetStream)dlsym(lib, "cublasSetStream_v2");
  g_gemm_ex = (CublasGemmEx)dlsym(lib, "cublasGemmEx");
  return create && set_stream && g_gemm_ex && create(&g_cublas) == 0 && set_stream(g_cublas, g_stream) == 0;
}
static bool run_cublas(const Args& a) {
  const float one = 1.f, zero = 0.f;
  // column-major: out^T [n, m] = w [k, n]^T . x^T [k, m]; CUDA_R_16BF 14, CUDA_R_32F 0, CUBLAS_COMPUTE_32F 68
  return g_gemm_ex(g_cublas, 1, 0, a.n, a.m, a.k, &one, a.w, 14, a.k, a.x, 14, a.k, &zero, a.out, a.f32out ? 0 : 14,
                   a.n, 68, -1) == 0;
}

static std::vector<Variant> variants(float* partials) {
  std::vector<Variant> v;
  v.push_back({"REFERENCE igemm f tile (1 warp)", [](const Args& a) {
    return a.f32out ? run_igemm<float, 16, 16, 1, 1, 64, 8>(a, 1, nullptr) : run_igemm<bf16, 16, 16, 1, 1, 64, 8>(a, 1, nullptr);
  }, true});
  v.push_back(few<2, 8, 128, 6>());   // the production tiles: up to 8 rows ...
  v.push_back(few<4, 16, 128, 4>());  // ... and up to 16
  v.push_back(few<1, 16, 64, 8>());   // the k blocks and stages of the tile before, one warp, addresses once
  v.push_back(few<4, 32, 128, 4>());  // 17-32 rows in one x tile
  v.push_back(few<4, 64, 128, 3>());  // 33-64 rows in one x tile
  v.push_back({"own: s tile, k split by shape", [partials](const Args& a) {
    const int tiles = (a.n + 63) / 64;
    int splits = tiles >= 1.5 * g_sms ? 1 : std::max(1, std::min(std::min((2 * g_sms + tiles - 1) / tiles, 8), a.k / 64));
    if (a.m > 16) return false;
    return a.f32out ? run_igemm<float, 64, 16, 4, 1, 64, 4>(a, splits, partials) : run_igemm<bf16, 64, 16, 4, 1, 64, 4>(a, splits, partials);
  }, false});
  v.push_back({"GEMV (not invariant)", [](const Args& a) {
    if (a.m > 8 || a.f32out) return false;
    launch_gemv_bf16((bf16*)a.out, a.x, a.w, a.m, a.n, a.k, g_stream);
    return true;
  }, false});
  if (g_cublas) v.push_back({"cuBLAS default (not invariant)", run_cublas, false});
  return v;
}

__global__ void fill(bf16* p, size_t count, unsigned seed, float scale) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x) {
    unsigned h = (unsigned)i * 2654435761u ^ seed * 97531u; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
    p[i] = __float2bfloat16_rn((((h & 0xffffff) / 16777216.f) * 2.f - 1.f) * scale);
  }
}
__global__ void poison(unsigned* p, size_t words) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < words; i += (size_t)gridDim.x * blockDim.x) p[i] = 0x7fc17fc1u;
}

static float value(const std::vector<unsigned char>& h, size_t i, bool f32) {
  float f;
  if (f32) { memcpy(&f, &h[4 * i], 4); return f; }
  uint32_t u = (uint32_t)(h[2 * i] | h[2 * i + 1] << 8) << 16;
  memcpy(&f, &u, 4);
  return f;
}

int main(int argc, char** argv) {
  BenchArgs args;
  if (!parse_bench_args(argc, argv, &args)) {
    fprintf(stderr, "usage: %s [--shape NxK] [--rows M] [--variant SUBSTRING] [--reps R]\n", argv[0]);
    return 2;
  }
  const std::string& only_shape = args.shape;
  const std::string& only_variant = args.variant;
  const int only_rows = args.rows, reps = args.reps;
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, 0));
  g_sms = prop.multiProcessorCount;
  CK(cudaStreamCreateWithFlags(&g_stream, cudaStreamNonBlocking));
  const bool cublas = load_cublas();
  printf("device %s, %d SMs, L2 %d MB; cuBLAS %s\n", prop.name, g_sms, prop.l2CacheSize >> 20, cublas ? "loaded" : "not found");
  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0));
  CK(cudaEventCreate(&e1));

  const double copy_gbs = copy_ceiling_gbs(g_stream);
  printf("copy ceiling %.0f GB/s (read + write)\n", copy_gbs);

  struct Shape { const char* model; int n, k; bool f32out; };
  const Shape shapes[] = {{"8B qkv", 6144, 4096, false},  {"8B o", 4096, 4096, false},      {"8B gate/up", 28672, 4096, false},
                          {"8B down", 4096, 14336, false}, {"8B lm_head", 128256, 4096, true}, {"1B qkv", 3072, 2048, false},
                          {"1B o", 2048, 2048, false},     {"1B gate/up", 16384, 2048, false}, {"1B down", 2048, 8192, false}};
  const int rows_list[] = {1, 8, 16, 32, 64};
  const int max_rows = 64;
  float* partials;
  CK(cudaMalloc(&partials, (size_t)8 * max_rows * 28672 * 4));
  std::vector<Variant> vs = variants(partials);
  int failures = 0;
  for (const Shape& s : shapes) {
    char sname[32];
    snprintf(sname, sizeof sname, "%dx%d", s.n, s.k);
    if (!only_shape.empty() && only_shape != sname) continue;
    const size_t wbytes = (size_t)s.n * s.k * 2;
    const int copies = (int)std::max<size_t>(1, (3 * (size_t)prop.l2CacheSize + wbytes - 1) / wbytes + 1);
    std::vector<bf16*> w(copies);
    for (int c = 0; c < copies; ++c) {
      CK(cudaMalloc(&w[c], wbytes));
      fill<<<1024, 256, 0, g_stream>>>(w[c], (size_t)s.n * s.k, 17 + c, 0.05f);
    }
    bf16* x;
    CK(cudaMalloc(&x, (size_t)max_rows * s.k * 2));
    fill<<<256, 256, 0, g_stream>>>(x, (size_t)max_rows * s.k, 5, 1.f);
    const size_t esize = s.f32out ? 4 : 2;
    // Past the m rows of out, one guard row must stay poisoned.
    void *out, *ref;
    const size_t out_bytes = ((size_t)max_rows * s.n + s.n) * esize;
    CK(cudaMalloc(&out, out_bytes));
    CK(cudaMalloc(&ref, out_bytes));
    printf("\n%s %s (%s out): weight %.1f MB, %d copies\n", s.model, sname, s.f32out ? "f32" : "bf16", wbytes / 1e6, copies);
    for (int m : rows_list) {
      if (only_rows && m != only_rows) continue;
      const Args ra{ref, x, w[0], m, s.n, s.k, s.f32out};
      poison<<<256, 256, 0, g_stream>>>((unsigned*)ref, out_bytes / 4);
      vs[0].run(ra);
      CK(cudaStreamSynchronize(g_stream));
      std::vector<unsigned char> href(out_bytes), hout(out_bytes);
      CK(cudaMemcpy(href.data(), ref, out_bytes, cudaMemcpyDeviceToHost));
      // The reference against a float64 sum at a few outputs (the weights read back).
      double worst_ref = 0;
      {
        std::vector<uint16_t> hw((size_t)s.k), hx((size_t)s.k);
        for (int probe = 0; probe < 8; ++probe) {
          const int r = (probe * 7) % m, c = (int)(((long long)probe * 1000003) % s.n);
          CK(cudaMemcpy(hw.data(), w[0] + (size_t)c * s.k, s.k * 2, cudaMemcpyDeviceToHost));
          CK(cudaMemcpy(hx.data(), x + (size_t)r * s.k, s.k * 2, cudaMemcpyDeviceToHost));
          double exact = 0, mag = 0;
          for (int i = 0; i < s.k; ++i) {
            uint32_t a = (uint32_t)hw[i] << 16, b = (uint32_t)hx[i] << 16;
            float fa, fb;
            memcpy(&fa, &a, 4);
            memcpy(&fb, &b, 4);
            exact += (double)fa * fb;
            mag += fabs((double)fa * fb);
          }
          worst_ref = std::max(worst_ref, fabs(value(href, (size_t)r * s.n + c, s.f32out) - exact) / mag);
        }
      }
      bool guard_ok = true;
      for (size_t i = (size_t)m * s.n; i < (size_t)m * s.n + s.n; ++i) guard_ok &= !(value(href, i, s.f32out) == value(href, i, s.f32out));
      printf("  m=%-3d reference vs float64: worst %.2g of sum |products|%s\n", m, worst_ref, guard_ok ? "" : "; GUARD WRITTEN");
      if (worst_ref > 1e-2 || !guard_ok) ++failures;
      const double bytes = (double)wbytes + 2.0 * m * s.k + (double)esize * m * s.n;
      for (size_t vi = 0; vi < vs.size(); ++vi) {
        const Variant& v = vs[vi];
        if (!only_variant.empty() && v.name.find(only_variant) == std::string::npos && vi != 0) continue;
        poison<<<256, 256, 0, g_stream>>>((unsigned*)out, out_bytes / 4);
        const Args a{out, x, w[0], m, s.n, s.k, s.f32out};
        if (!v.run(a)) continue;
        CK(cudaStreamSynchronize(g_stream));
        CK(cudaMemcpy(hout.data(), out, out_bytes, cudaMemcpyDeviceToHost));
        const char* verdict = "";
        if (v.same_bits) {
          if (memcmp(hout.data(), href.data(), out_bytes) != 0) { verdict = "  BITS DIFFER"; ++failures; }
          else verdict = "  same bits";
        } else {
          double worst = 0, scale = 0;
          for (size_t i = 0; i < (size_t)m * s.n; ++i) scale = std::max(scale, (double)fabsf(value(href, i, s.f32out)));
          for (size_t i = 0; i < (size_t)m * s.n; ++i)
            worst = std::max(worst, (double)fabsf(value(hout, i, s.f32out) - value(href, i, s.f32out)) / scale);
          if (!(worst < 2e-2)) { verdict = "  WRONG"; ++failures; }
        }
        for (int i = 0; i < 3; ++i) v.run(Args{out, x, w[i % copies], m, s.n, s.k, s.f32out});
        CK(cudaEventRecord(e0, g_stream));
        for (int i = 0; i < reps; ++i) v.run(Args{out, x, w[i % copies], m, s.n, s.k, s.f32out});
        CK(cudaEventRecord(e1, g_stream));
        CK(cudaEventSynchronize(e1));
        CK(cudaGetLastError());
        float ms;
        CK(cudaEventElapsedTime(&ms, e0, e1));
        const double us = ms * 1e3 / reps;
        printf("    %-34s %8.2f us = %5.1f %% of copy%s\n", v.name.c_str(), us, 100.0 * bytes / (us * 1e-6) / 1e9 / copy_gbs, verdict);
      }
    }
    for (bf16* p : w) CK(cudaFree(p));
    CK(cudaFree(x)); CK(cudaFree(out)); CK(cudaFree(ref));
  }
  printf("\n%s\n", failures ? "FAILURES" : "every layout gives the reference's bits; the reference agrees with float64");
  return failures ? 1 : 0;
}
