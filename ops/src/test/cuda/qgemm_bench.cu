// Standalone check-and-time harness for the quantized GEMM's CUDA C (not built by Maven; see
// build_qgemm_bench.sh). Times the production kernels exactly as QuantGemmKernels carries them (kj_qgemm;
// for one row also the streaming kj_qstream with 1 and 2 row tiles a block) on Llama-3-8B projection shapes,
// 4-bit group 128; for 8, 16 and 32 rows also the few-row kj_qfew (QuantFewSource) at the row tiles a warp and
// loads in flight that production uses (RW2, U3 and from 16 rows U2; up to 16 rows RW1 U3) and others, and
// at 16 and 32 rows the few-row kernel with x shared by the block, kj_qfewx (QuantFewSharedXSource), at ring depths
// 3 to 6 and splits up to 24 (and at 8 rows at 4 and 8, which production does not use); at 16 rows also that kernel
// with more blocks an SM asked of the register allocator (fewx_b: "B3"); at 8 and 16 rows the few-row kernel with x
// held in registers, kj_qxreg (QuantXRegSource), at 16 and 8 warps a block, 2 or 4 row tiles in flight, 1, 4 or 8
// cells of the end-of-run sum a thread at a time and one or two mma chains. Each time
// is followed by the blocks an SM that the launch's registers and shared memory allow.
//
// 1. Agreement: every variant's output against the production kernel's on the same random packed
//    weights (any 32-bit word is a valid set of codes; scales random, zeros 0..15), outputs poisoned
//    with NaN before each run; the worst |difference| relative to max |output| is printed and must be
//    below 1e-2 (the sums differ only in order; bf16 output rounding dominates).
// 2. Ceiling: device-to-device copy bandwidth (read + write counted), 256 MiB as OpsBench does, and
//    a kernel that only reads the same packed bytes.
// 3. Time: 50 back-to-back launches between two events, launched with programmatic stream
//    serialization as the Java launcher does; the packed weights rotate over copies totalling more
//    than 3x L2 so they stream from HBM. Bytes = codes + scales + x + out.
//
// Rows of x: 1, 8, 16, 32 and 64 (the GEMM's instantiations for 8, 16, 32 and 64).
//
// Usage: qgemm_bench [--shape NxK] [--rows M] [--variant SUBSTRING] [--reps R]
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <algorithm>
#include <string>
#include <vector>
#include "bench_common.cuh"
#include "qgemm_source.cu"

typedef __nv_bfloat16 bf16;
#define CK(call) do { cudaError_t e_ = (call); if (e_ != cudaSuccess) { \
  fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorName(e_), __FILE__, __LINE__, cudaGetErrorString(e_)); exit(2); } } while (0)

struct Problem {
  int m, n, k, row_tiles, ktiles, chunks, group_steps;
  size_t code_words, meta_words;
};
static Problem problem(int m, int n, int k) {
  Problem p;
  p.m = m; p.n = n; p.k = k;
  p.row_tiles = (n + 15) / 16;
  p.ktiles = k / 64;
  p.group_steps = 128 / 16;
  p.chunks = (k / 128 + 7) / 8;
  p.code_words = (size_t)p.row_tiles * p.ktiles * 128;
  p.meta_words = (size_t)p.row_tiles * p.chunks * 128;
  return p;
}

static int g_sms;
static cudaStream_t g_stream;
static const int kMaxStagedBytes = 160 * 1024;
typedef void (*Kern)(bf16*, const bf16*, const unsigned*, const unsigned*, float*, unsigned*, int, int, int, int, int, int,
                     long long, long long, int, int);

struct Variant {
  std::string name;
  int rt, threads;  // row tiles per block, threads per block
  int mt;           // column tiles: rows covered = 8 * mt
  Kern kern;
  bool staged_x = false;  // x of the block's k range in dynamic shared memory (the production m1 kernel)
  int ring = 0;           // bytes of dynamic shared memory before x: qstream's rings
  bool whole_k = false;   // qstream: no k split; x staged over all of k
  bool fewx = false;      // kj_qfewx: x of the block's k range staged for all its warps
  int xreg_w = 0;         // kj_qxreg: warps a block (its k range is 2 W tiles); "splits" are blocks an SM of the grid
};

// The production instantiations as QuantGemmKernels declares them: one row stages x (m1), more rows do not.
template <int MT, int U, bool STAGED>
static Variant production() {
  auto k = kj_qgemm<bf16, 4, MT, U, STAGED>;
  if (STAGED) CK(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, kMaxStagedBytes));
  char name[64];
  snprintf(name, sizeof name, "PRODUCTION U%d%s", U, STAGED ? " smem-x" : "");
  return Variant{name, 1, 256, MT, reinterpret_cast<Kern>(k), STAGED};
}
// Dynamic shared memory of a launch that stages x (the production m1 kernel): QuantGemmPlan.sharedBytes.
static size_t staged_bytes(int m, int mt, int ktiles, int splits) {
  return (size_t)std::min(m, 8 * mt) * kj_q::x_stride((ktiles + splits - 1) / splits, 64) * 2;
}
static const size_t kProductionShared = 72 * 1024;  // QuantGemmSource.X_SHARED_MAX
static const int kStreamXShared = 96 * 1024;         // QuantStreamSource.SHARED_MAX less its rings

// The streaming one-row kernel (QuantStreamSource) as QuantGemmKernels declares it: RT row tiles a block.
template <int RT>
static Variant stream() {
  auto k = kj_qstream<bf16, 4, RT, 8 / RT>;
  const int ring = kj_qs::RING_BYTES;
  CK(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, ring + kStreamXShared));
  char name[64];
  snprintf(name, sizeof name, "PRODUCTION qstream RT%d", RT);
  Variant v{name, RT, 256, 1, reinterpret_cast<Kern>(k), true};
  v.ring = ring;
  v.whole_k = true;
  return v;
}

// The few-row kernel (QuantFewSource): RW row tiles a warp (and a block), U tiles of each in flight.
template <int MT, int RW, int U>
static Variant few() {
  auto k = kj_qfew<bf16, 4, MT, RW, U>;
  char name[64];
  // Production: two row tiles a warp, U3 up to 8 rows and U2 above; one row tile (4-bit, up to 16 rows), U3.
  const bool production = RW == 2 ? U == (MT == 1 ? 3 : 2) : MT <= 2 && U == 3;
  snprintf(name, sizeof name, "%s RW%d U%d", production ? "PRODUCTION few" : "few", RW, U);
  return Variant{name, RW, 256, MT, reinterpret_cast<Kern>(k)};
}

// Not in production (candidates for more warps in flight at 9-16 rows, where ncu put the few-row kernels at 2 warps a
// scheduler, waiting on their own loads): the x-shared kernel with BPS blocks an SM asked of the register allocator
// through __launch_bounds__. At BPS 3 ptxas for sm_90 (CUDA 13.0) spills 48/72 bytes in fewx U2/U3. (The few-row
// kernel at one row tile a warp, measured here as such a candidate, is production since the twenty-third session:
// kj_qf::few_blocks_per_sm gives it 4 blocks an SM up to 8 rows and 3 up to 16.)
template <int MT, int U, int BPS>
__global__ void __launch_bounds__(kj_q::THREADS, BPS) fewx_bounded(bf16* out, const bf16* x, const int* w, const int* meta,
                                                                  float* partials, int* counters, int m, int n, int kx,
                                                                  int ktiles, int group_steps, int chunks, long long ldx,
                                                                  long long ldo, int scale_bf16, int splits) {
  kj_qfx::fewx<bf16, MT, U>(out, x, reinterpret_cast<const unsigned*>(w), reinterpret_cast<const unsigned*>(meta),
                            partials, reinterpret_cast<unsigned*>(counters), m, n, kx, ktiles, group_steps, chunks, ldx,
                            ldo, scale_bf16, splits);
}

// The few-row kernel with x shared by the block (QuantFewSharedXSource): 16 row tiles a block, weights through
// cp.async rings of U slots; the rings, then x of the block's k range, in dynamic shared memory.
static const int kMaxRingShared = 220 * 1024;  // QuantFewSharedXSource.SHARED_MAX
template <int MT, int U>
static Variant fewx() {
  auto k = kj_qfewx<bf16, MT, U>;
  CK(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, kMaxRingShared));
  char name[64];
  snprintf(name, sizeof name, "%s U%d", (MT == 1 && U == 8) || (MT == 2 && U == 3) || (MT == 4 && U == 4) ? "PRODUCTION fewx" : "fewx", U);
  Variant v{name, kj_qfx::ROW_TILES, 256, MT, reinterpret_cast<Kern>(k)};
  v.fewx = true;
  v.ring = kj_qfx::ring_bytes(U);
  return v;
}
template <int MT, int U, int BPS>
static Variant fewx_b() {
  auto k = fewx_bounded<MT, U, BPS>;
  CK(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, kMaxRingShared));
  char name[64];
  snprintf(name, sizeof name, "fewx U%d B%d", U, BPS);
  Variant v{name, kj_qfx::ROW_TILES, 256, MT, reinterpret_cast<Kern>(k)};
  v.fewx = true;
  v.ring = kj_qfx::ring_bytes(U);
  return v;
}
// The few-row kernel with x held in registers (QuantXRegSource): W warps a block side by side over 2 W k tiles, U row
// tiles of weights in flight a warp, NB row tiles a reduction through shared memory. Its sweep's "splits" s ask the grid
// for about s blocks an SM: runs of row tiles x k blocks (the plan launches s = 1).
template <int MT, int W, int U, int NB, int TAIL = 4, int CH = 2>
static Variant xreg() {
  auto k = kj_qxreg<bf16, MT, W, U, NB, TAIL, CH>;
  char name[64];
  // U row tiles in flight, T cells of the end-of-run sum a thread at a time (with four k blocks of their loads in
  // flight), C chains of mmas. Production (QuantXRegSource.XREG_M8 / XREG_M16): 16 warps, U2 T4 C2.
  const bool prod = W == 16 && U == 2 && TAIL == 4 && CH == 2;
  snprintf(name, sizeof name, "%s W%d U%d NB%d T%d C%d", prod ? "PRODUCTION xreg" : "xreg", W, U, NB, TAIL, CH);
  Variant v{name, 1, 32 * W, MT, reinterpret_cast<Kern>(k)};
  v.xreg_w = W;
  return v;
}
// The x-in-registers variants at MT row groups of 8 and NB row tiles a reduction: production, the end-of-run sum at 1 and
// 8 cells, one chain, one chain with four tiles in flight (the first build), and 8 warps a block.
template <int MT, int NB>
static void push_xreg(std::vector<Variant>& v) {
  v.push_back(xreg<MT, 16, 2, NB>());
  v.push_back(xreg<MT, 16, 2, NB, 1>());
  v.push_back(xreg<MT, 16, 2, NB, 8>());
  v.push_back(xreg<MT, 16, 2, NB, 4, 1>());
  v.push_back(xreg<MT, 16, 4, NB, 4, 1>());
  v.push_back(xreg<MT, 8, 2, NB>());
}
static int xreg_blocks(const Variant& v, const Problem& p, int s) {
  const int kblocks = (p.ktiles + 2 * v.xreg_w - 1) / (2 * v.xreg_w);
  return std::max(1, std::min(p.row_tiles, s * g_sms / kblocks)) * kblocks;
}

static size_t fewx_bytes(int mt, int ktiles, int splits) {
  return (size_t)8 * mt * kj_qfx::x_stride((ktiles + splits - 1) / splits) * 2;
}

static std::vector<Variant> variants_for(int mt, int m) {
  std::vector<Variant> v;
  if (mt == 1) {
    v.push_back(m == 1 ? production<1, 4, true>() : production<1, 8, false>());
    if (m == 1) {
      v.push_back(stream<1>());
      v.push_back(stream<2>());
    } else {
      v.push_back(few<1, 2, 2>());
      v.push_back(few<1, 2, 3>());
      v.push_back(few<1, 2, 4>());
      v.push_back(few<1, 4, 2>());
      v.push_back(few<1, 1, 3>());
      push_xreg<1, 4>(v);
      v.push_back(fewx<1, 4>());
      v.push_back(fewx<1, 8>());
    }
  } else if (mt == 2) {
    v.push_back(production<2, 8, false>());
    v.push_back(few<2, 2, 2>());
    v.push_back(few<2, 2, 3>());
    v.push_back(few<2, 2, 4>());
    v.push_back(few<2, 4, 2>());
    v.push_back(few<2, 1, 2>());
    v.push_back(few<2, 1, 3>());
    push_xreg<2, 2>(v);
    v.push_back(fewx<2, 3>());
    v.push_back(fewx<2, 4>());
    v.push_back(fewx_b<2, 2, 3>());
    v.push_back(fewx_b<2, 3, 3>());
  } else if (mt == 4) {
    v.push_back(production<4, 4, false>());
    v.push_back(few<4, 2, 2>());
    v.push_back(fewx<4, 4>());
    v.push_back(fewx<4, 6>());
  } else {
    v.push_back(production<8, 2, false>());
  }
  return v;
}

__global__ void fill_words(unsigned* p, size_t count, unsigned seed) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x) {
    unsigned h = (unsigned)i * 2654435761u ^ seed * 97531u; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
    p[i] = h;
  }
}
// Meta words: bf16 scale in [2^-9, 2^-7) (positive), zero 0..15 in the high half.
__global__ void fill_meta(unsigned* p, size_t count, unsigned seed) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x) {
    unsigned h = (unsigned)i * 2246822519u ^ seed * 3266489917u; h ^= h >> 13; h *= 2654435761u; h ^= h >> 16;
    const float s = (1.f + (h & 0xffff) / 65536.f) * (1.f / 512.f) * (1 << ((h >> 16) & 1));
    unsigned bits = __float_as_uint(s) >> 16;
    p[i] = ((h >> 20) & 15u) << 16 | bits;
  }
}
__global__ void fill_x(bf16* p, size_t count, unsigned seed) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x) {
    unsigned h = (unsigned)i * 2654435761u ^ seed * 97531u; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13;
    p[i] = __float2bfloat16_rn(((h & 0xffffff) / 16777216.f) * 2.f - 1.f);
  }
}
__global__ void poison(bf16* p, size_t count) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x)
    p[i] = __ushort_as_bfloat16((unsigned short)0x7fc1);
}
__global__ void __launch_bounds__(512) read_only(const uint4* p, size_t count, unsigned* sink) {
  uint4 acc = make_uint4(0u, 0u, 0u, 0u);
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += stride) {
    uint4 v = kj_q::load_w(p + i);
    acc.x ^= v.x; acc.y ^= v.y; acc.z ^= v.z; acc.w ^= v.w;
  }
  if ((acc.x ^ acc.y ^ acc.z ^ acc.w) == 0x9e3779b9u) *sink = acc.x;
}

static size_t smem_of(const Variant& v, const Problem& p, int splits) {
  size_t smem = v.ring + (v.staged_x ? staged_bytes(p.m, v.mt, p.ktiles, splits) : 0);
  // qstream: x over all of k and a float sum of each tile of it (QuantStreamSource.sharedBytes)
  if (v.whole_k) smem = v.ring + staged_bytes(p.m, v.mt, p.ktiles, 1) + 4 * (size_t)p.ktiles;
  if (v.fewx) smem = v.ring + fewx_bytes(v.mt, p.ktiles, splits);
  return smem;
}

static void launch(const Variant& v, const Problem& p, int splits, bf16* out, const bf16* x, const unsigned* w, const unsigned* meta,
                   float* partials, unsigned* counters) {
  int blocks = v.xreg_w ? xreg_blocks(v, p, splits) : (p.row_tiles + v.rt - 1) / v.rt * splits;
  const size_t smem = smem_of(v, p, splits);
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(blocks);
  cfg.blockDim = dim3(v.threads);
  cfg.dynamicSmemBytes = smem;
  cfg.stream = g_stream;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cfg.attrs = attr;
  cfg.numAttrs = 1;
  CK(cudaLaunchKernelEx(&cfg, v.kern, out, x, w, meta, partials, counters, p.m, p.n, p.k, p.ktiles, p.group_steps, p.chunks,
                        (long long)p.k, (long long)p.n, 1, splits));
}

static float max_abs_host(const std::vector<uint16_t>& h, bool* nan) {
  float mx = 0.f;
  *nan = false;
  for (uint16_t b : h) {
    uint32_t u = (uint32_t)b << 16; float f; memcpy(&f, &u, 4);
    if (!(f == f)) *nan = true; else mx = std::max(mx, fabsf(f));
  }
  return mx;
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
  printf("device %s, %d SMs, L2 %d MB\n", prop.name, g_sms, prop.l2CacheSize >> 20);
  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0));
  CK(cudaEventCreate(&e1));

  // Copy ceiling.
  const double copy_gbs = copy_ceiling_gbs(g_stream);
  printf("copy ceiling %.0f GB/s (read + write)\n", copy_gbs);
  unsigned* sink;
  CK(cudaMalloc(&sink, 4));

  const int shapes[][2] = {{4096, 4096}, {6144, 4096}, {14336, 4096}, {4096, 14336}, {28672, 4096}, {2048, 2048}, {3072, 2048}, {16384, 2048}, {2048, 8192}};
  const int rows_list[] = {1, 8, 16, 32, 64};
  int failures = 0;
  for (auto& s : shapes) {
    char sname[32];
    snprintf(sname, sizeof sname, "%dx%d", s[0], s[1]);
    if (!only_shape.empty() && only_shape != sname) continue;
    const Problem p1 = problem(1, s[0], s[1]);
    const size_t wbytes = p1.code_words * 4 + p1.meta_words * 4;
    const int copies = (int)std::max<size_t>(1, (3 * (size_t)prop.l2CacheSize + wbytes - 1) / wbytes + 1);
    std::vector<unsigned*> w(copies), meta(copies);
    for (int c = 0; c < copies; ++c) {
      CK(cudaMalloc(&w[c], p1.code_words * 4));
      CK(cudaMalloc(&meta[c], p1.meta_words * 4));
      fill_words<<<1024, 256, 0, g_stream>>>(w[c], p1.code_words, 17 + c);
      fill_meta<<<1024, 256, 0, g_stream>>>(meta[c], p1.meta_words, 29 + c);
    }
    bf16 *x, *out, *ref;
    CK(cudaMalloc(&x, (size_t)64 * s[1] * 2));
    CK(cudaMalloc(&out, (size_t)64 * s[0] * 2));
    CK(cudaMalloc(&ref, (size_t)64 * s[0] * 2));
    fill_x<<<256, 256, 0, g_stream>>>(x, (size_t)64 * s[1], 5);
    float* partials;
    unsigned* counters;
    CK(cudaMalloc(&partials, (size_t)p1.row_tiles * 32 * 16 * 64 * 4));  // fewx at 32 rows: up to 24 splits of 16 row tiles
    CK(cudaMalloc(&counters, (size_t)p1.row_tiles * 4));
    CK(cudaMemsetAsync(counters, 0, (size_t)p1.row_tiles * 4, g_stream));

    // Read-only floor over the same packed bytes.
    {
      for (int i = 0; i < 3; ++i) read_only<<<g_sms * 4, 512, 0, g_stream>>>((const uint4*)w[i % copies], p1.code_words / 4, sink);
      CK(cudaEventRecord(e0, g_stream));
      for (int i = 0; i < reps; ++i) read_only<<<g_sms * 4, 512, 0, g_stream>>>((const uint4*)w[i % copies], p1.code_words / 4, sink);
      CK(cudaEventRecord(e1, g_stream));
      CK(cudaEventSynchronize(e1));
      float ms;
      CK(cudaEventElapsedTime(&ms, e0, e1));
      const double us = ms * 1e3 / reps;
      printf("\n%s 4-bit g128: codes %.1f MB, %d weight copies; read-only floor %.2f us = %.1f %% of copy\n", sname,
             p1.code_words * 4 / 1e6, copies, us, 100.0 * p1.code_words * 4 / (us * 1e-6) / 1e9 / copy_gbs);
    }
    for (int m : rows_list) {
      if (only_rows && m != only_rows) continue;
      const Problem p = problem(m, s[0], s[1]);
      const int mt = m <= 8 ? 1 : m <= 16 ? 2 : m <= 32 ? 4 : 8;
      const double bytes = p.code_words * 4.0 + p.meta_words * 4.0 + 2.0 * m * (s[0] + s[1]);
      std::vector<Variant> vs = variants_for(mt, m);
      // The production launch as QuantGemmPlan.of makes it, as the reference output.
      int prod_splits = p.row_tiles >= 1.5 * g_sms ? 1
          : std::max(1, std::min((2 * g_sms + p.row_tiles - 1) / p.row_tiles, std::max(1, p.ktiles / 8)));
      while (m == 1 && prod_splits < p.ktiles && staged_bytes(m, mt, p.ktiles, prod_splits) > kProductionShared) ++prod_splits;
      poison<<<256, 256, 0, g_stream>>>(ref, (size_t)64 * s[0]);
      launch(vs[0], p, prod_splits, ref, x, w[0], meta[0], partials, counters);
      CK(cudaStreamSynchronize(g_stream));
      std::vector<uint16_t> href((size_t)m * s[0]), hout((size_t)m * s[0]);
      CK(cudaMemcpy(href.data(), ref, href.size() * 2, cudaMemcpyDeviceToHost));
      bool ref_nan;
      const float ref_max = max_abs_host(href, &ref_nan);
      printf("  m=%d  (production splits %d; max |out| %.3g%s)\n", m, prod_splits, ref_max, ref_nan ? ", NaN!" : "");
      if (ref_nan) ++failures;
      for (const Variant& v : vs) {
        if (!only_variant.empty() && v.name.find(only_variant) == std::string::npos) continue;
        const int blocks1 = (p.row_tiles + v.rt - 1) / v.rt;
        const int most = std::max(1, p.ktiles / (v.fewx ? 2 : 8));
        std::string line;
        double best_us = 1e30;
        int best_split = 0;
        for (int splits : {1, 2, 3, 4, 6, 8, 12, 16, 24}) {
          if (v.xreg_w && splits > 4) break;
          if (!v.xreg_w && splits > most) break;
          if (!v.fewx && splits > 8) break;
          if (!v.xreg_w && splits > 1 && blocks1 * splits > 8 * g_sms) break;
          if (v.fewx && smem_of(v, p, splits) > (size_t)kMaxRingShared) continue;
          if (v.whole_k && splits > 1) break;
          if (v.staged_x && staged_bytes(m, v.mt, p.ktiles, v.whole_k ? 1 : splits) > (size_t)(v.ring ? kStreamXShared : kMaxStagedBytes)) continue;
          poison<<<256, 256, 0, g_stream>>>(out, (size_t)64 * s[0]);
          launch(v, p, splits, out, x, w[0], meta[0], partials, counters);
          CK(cudaStreamSynchronize(g_stream));
          CK(cudaMemcpy(hout.data(), out, hout.size() * 2, cudaMemcpyDeviceToHost));
          double worst = 0;
          bool bad = false;
          for (size_t i = 0; i < hout.size(); ++i) {
            uint32_t a = (uint32_t)hout[i] << 16, b = (uint32_t)href[i] << 16;
            float fa, fb;
            memcpy(&fa, &a, 4);
            memcpy(&fb, &b, 4);
            if (!(fa == fa)) { bad = true; break; }
            worst = std::max(worst, (double)fabsf(fa - fb) / ref_max);
          }
          if (bad || worst > 1e-2) {
            printf("    %-28s splits %d: WRONG (%s, worst rel %.3g)\n", v.name.c_str(), splits, bad ? "NaN" : "differs", worst);
            ++failures;
            continue;
          }
          for (int i = 0; i < 3; ++i) launch(v, p, splits, out, x, w[i % copies], meta[i % copies], partials, counters);
          CK(cudaEventRecord(e0, g_stream));
          for (int i = 0; i < reps; ++i) launch(v, p, splits, out, x, w[i % copies], meta[i % copies], partials, counters);
          CK(cudaEventRecord(e1, g_stream));
          CK(cudaEventSynchronize(e1));
          float ms;
          CK(cudaEventElapsedTime(&ms, e0, e1));
          const double us = ms * 1e3 / reps;
          char cell[48];
          int per_sm = 0;
          CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, v.kern, v.threads, smem_of(v, p, splits)));
          snprintf(cell, sizeof cell, " s%d %.2fus/%d", splits, us, per_sm);
          line += cell;
          if (us < best_us) { best_us = us; best_split = splits; }
        }
        if (best_split)
          printf("    %-28s best %6.2f us = %5.1f %% of copy (splits %d) |%s\n", v.name.c_str(), best_us,
                 100.0 * bytes / (best_us * 1e-6) / 1e9 / copy_gbs, best_split, line.c_str());
      }
    }
    for (int c = 0; c < copies; ++c) { CK(cudaFree(w[c])); CK(cudaFree(meta[c])); }
    CK(cudaFree(x)); CK(cudaFree(out)); CK(cudaFree(ref)); CK(cudaFree(partials)); CK(cudaFree(counters));
  }
  printf("\n%s\n", failures ? "FAILURES" : "all variants agree with the production kernel");
  return failures ? 1 : 0;
}
