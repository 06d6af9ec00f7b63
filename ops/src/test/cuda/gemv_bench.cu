// Standalone check-and-time harness for Gemv's CUDA C (not built by Maven; see build_gemv_bench.sh).
//
// 1. Correctness of every variant against a float64 CPU reference on fresh random data: odd sizes,
//    1..8 rows, outputs poisoned with NaN before each run, a guard row after the output that must
//    stay poisoned, relative error reported and bounded, NaN never passes.
// 2. Ceiling: device-to-device copy bandwidth (read + write counted), 256 MiB as OpsBench does.
// 3. Decode shapes n x k = 4096x4096, 14336x4096, 4096x14336, 128256x4096 at m = 1 and 8, bytes =
//    W + x + y, weights rotating over copies totalling > 3x L2 so W comes from HBM. Two timings:
//    "1-launch" = median of single launches between events (OpsBench's method), "stream" = 40
//    back-to-back launches between two events (what a captured decode graph sees).
// 4. cuBLAS (cublasGemmEx, bf16 in, f32 compute) on the same shapes when libcublas can be dlopen'ed.
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <algorithm>
#include <random>
#include <string>
#include <vector>
#include "gemv_source.cu"

typedef __nv_bfloat16 bf16;
#define CK(call) do { cudaError_t e_ = (call); if (e_ != cudaSuccess) { \
  fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorName(e_), __FILE__, __LINE__, cudaGetErrorString(e_)); exit(2); } } while (0)

static cudaStream_t g_stream;  // non-blocking, so programmatic dependent launch behaves as in an application stream
struct Args { void* out; const void* x; const bf16* w; int rows, n, k; long long ldx, ldw, ldo; };

template <typename TX, typename TO, int TILES, int WARPS, int UNROLL, int LOAD>
__global__ void __launch_bounds__(WARPS * 32) bench_mma(TO* out, const TX* x, const bf16* w, int rows, int n, int k, long long ldx, long long ldw, long long ldo) {
  kjgemv::gemv_mma<TX, bf16, TO, TILES, WARPS, UNROLL, LOAD>(out, x, w, rows, n, k, ldx, ldw, ldo);
}
template <typename TX, typename TO, int TILES, int WARPS, int UNROLL, int LOAD>
void launch_mma(const Args& a, cudaStream_t s) {
  const int blocks = (a.n + 16 * TILES - 1) / (16 * TILES);
  bench_mma<TX, TO, TILES, WARPS, UNROLL, LOAD><<<blocks, WARPS * 32, 0, s>>>((TO*)a.out, (const TX*)a.x, a.w, a.rows, a.n, a.k, a.ldx, a.ldw, a.ldo);
}
// Floor for a kernel that only reads the weights: same bytes, no arithmetic, one wave of blocks.
__global__ void __launch_bounds__(512) read_only(const uint4* p, size_t count, unsigned* sink) {
  uint4 acc = make_uint4(0u, 0u, 0u, 0u);
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
  for (; i + 3 * stride < count; i += 4 * stride) {
    uint4 v[4];
#pragma unroll
    for (int u = 0; u < 4; ++u) v[u] = kjgemv::load_w<1>(p + i + u * stride);
#pragma unroll
    for (int u = 0; u < 4; ++u) { acc.x ^= v[u].x; acc.y ^= v[u].y; acc.z ^= v[u].z; acc.w ^= v[u].w; }
  }
  for (; i < count; i += stride) { uint4 v = kjgemv::load_w<1>(p + i); acc.x ^= v.x; acc.y ^= v.y; acc.z ^= v.z; acc.w ^= v.w; }
  if ((acc.x ^ acc.y ^ acc.z ^ acc.w) == 0x9e3779b9u) *sink = acc.x;  // keeps the loads; practically never taken
}
static unsigned* g_sink;
static int g_sms;
static void launch_read_only(const Args& a, cudaStream_t s) {
  read_only<<<g_sms * 4, 512, 0, s>>>((const uint4*)a.w, (size_t)a.n * a.k / 8, g_sink);
}
// The instantiations exactly as Java launches them (grid n / 16 or n / 4, 256 threads).
void launch_entry_mma_bb(const Args& a, cudaStream_t s) {
  kj_gemv_mma<bf16, bf16, bf16><<<(a.n + 15) / 16, 256, 0, s>>>((bf16*)a.out, (const bf16*)a.x, a.w, a.rows, a.n, a.k, a.ldx, a.ldw, a.ldo);
}
void launch_entry_mma_fb(const Args& a, cudaStream_t s) {
  kj_gemv_mma<float, bf16, bf16><<<(a.n + 15) / 16, 256, 0, s>>>((bf16*)a.out, (const float*)a.x, a.w, a.rows, a.n, a.k, a.ldx, a.ldw, a.ldo);
}
void launch_entry_mma_ff(const Args& a, cudaStream_t s) {
  kj_gemv_mma<float, bf16, float><<<(a.n + 15) / 16, 256, 0, s>>>((float*)a.out, (const float*)a.x, a.w, a.rows, a.n, a.k, a.ldx, a.ldw, a.ldo);
}
void launch_entry_simt_bb(const Args& a, cudaStream_t s) {
  kj_gemv_simt<bf16, bf16, bf16><<<(a.n + 3) / 4, 256, 0, s>>>((bf16*)a.out, (const bf16*)a.x, a.w, a.rows, a.n, a.k, a.ldx, a.ldw, a.ldo);
}
void launch_entry_simt_ff(const Args& a, cudaStream_t s) {
  kj_gemv_simt<float, bf16, float><<<(a.n + 3) / 4, 256, 0, s>>>((float*)a.out, (const float*)a.x, a.w, a.rows, a.n, a.k, a.ldx, a.ldw, a.ldo);
}

struct Variant { const char* name; bool xf32, of32, needs_k8; void (*launch)(const Args&, cudaStream_t); };
// Variant names: T = 16-row tiles per block, W = warps per block (split k), U = 32-k chunks per warp
// step, cs = ld.global.cs weights, nc256 = ld.global.nc.L1::no_allocate.L2::256B weights.
static const Variant kVariants[] = {
  {"simt (previous kernel)", false, false, false, launch_entry_simt_bb},
  {"ENTRY mma x bf16", false, false, true, launch_entry_mma_bb},  // T1 W8 U8 nc256, as Java launches it
  {"ENTRY mma x f32", true, false, true, launch_entry_mma_fb},
  {"mma T1 W8 U4 cs", false, false, true, launch_mma<bf16, bf16, 1, 8, 4, 0>},  // first version
  {"mma T1 W8 U4 nc256", false, false, true, launch_mma<bf16, bf16, 1, 8, 4, 1>},
  {"mma T1 W8 U16 nc256", false, false, true, launch_mma<bf16, bf16, 1, 8, 16, 1>},
  {"mma T1 W4 U8 nc256", false, false, true, launch_mma<bf16, bf16, 1, 4, 8, 1>},
  {"mma T1 W16 U8 nc256", false, false, true, launch_mma<bf16, bf16, 1, 16, 8, 1>},
  {"mma T2 W8 U8 nc256", false, false, true, launch_mma<bf16, bf16, 2, 8, 8, 1>},
};
// Correctness-only variants (other dtypes of the same code).
static const Variant kCheckOnly[] = {
  {"ENTRY mma x f32 out f32", true, true, true, launch_entry_mma_ff},
  {"ENTRY simt x f32 out f32", true, true, false, launch_entry_simt_ff},
};

static float bf16_to_float(uint16_t b) { uint32_t u = (uint32_t)b << 16; float f; memcpy(&f, &u, 4); return f; }
static uint16_t float_to_bf16(float f) {  // round to nearest even, as __float2bfloat16_rn for finite values
  uint32_t u; memcpy(&u, &f, 4); u += 0x7fffu + ((u >> 16) & 1u); return (uint16_t)(u >> 16);
}

__global__ void fill_random_bf16(bf16* p, size_t count, unsigned seed) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x) {
    unsigned h = (unsigned)i * 2654435761u ^ seed * 97531u; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
    p[i] = __float2bfloat16_rn(((h & 0xffffff) / 16777216.f) * 2.f - 1.f);
  }
}

// Host copies of the random inputs (x as float, already exactly representable in bf16 where x is bf16).
struct Problem { int m, n, k; std::vector<float> x, w; };
static Problem make_problem(int m, int n, int k, std::mt19937& rng, bool x_exact_bf16) {
  Problem p{m, n, k, std::vector<float>((size_t)m * k), std::vector<float>((size_t)n * k)};
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  for (auto& v : p.w) v = bf16_to_float(float_to_bf16(d(rng)));
  for (auto& v : p.x) v = x_exact_bf16 ? bf16_to_float(float_to_bf16(d(rng))) : d(rng);
  return p;
}
// out[r, j] in double for the listed columns; x is rounded to bf16 first (the op's semantics).
static double ref_at(const Problem& p, int r, int j) {
  double s = 0;
  for (int c = 0; c < p.k; ++c) s += (double)bf16_to_float(float_to_bf16(p.x[(size_t)r * p.k + c])) * p.w[(size_t)j * p.k + c];
  return s;
}

// Runs v once on p (w from host, or device weights wdev when given) and compares `cols` columns to the reference.
static bool check(const Variant& v, const Problem& p, const bf16* wdev, const std::vector<int>& cols, double* rel_out) {
  const size_t xe = (size_t)p.m * p.k, oe = (size_t)(p.m + 1) * p.n;  // one guard row after the output
  const size_t xbytes = xe * (v.xf32 ? 4 : 2), obytes = oe * (v.of32 ? 4 : 2);
  std::vector<unsigned char> hx(xbytes);
  for (size_t i = 0; i < xe; ++i) {
    if (v.xf32) memcpy(&hx[i * 4], &p.x[i], 4);
    else { uint16_t b = float_to_bf16(p.x[i]); memcpy(&hx[i * 2], &b, 2); }
  }
  void *dx, *dout; bf16* dw = nullptr;
  CK(cudaMalloc(&dx, xbytes)); CK(cudaMalloc(&dout, obytes));
  CK(cudaMemcpy(dx, hx.data(), xbytes, cudaMemcpyHostToDevice));
  if (wdev == nullptr) {
    std::vector<uint16_t> hw(p.w.size());
    for (size_t i = 0; i < hw.size(); ++i) hw[i] = float_to_bf16(p.w[i]);
    CK(cudaMalloc(&dw, hw.size() * 2)); CK(cudaMemcpy(dw, hw.data(), hw.size() * 2, cudaMemcpyHostToDevice));
    wdev = dw;
  }
  CK(cudaMemsetAsync(dout, 0xff, obytes, g_stream));  // NaN in both f32 and bf16
  v.launch(Args{dout, dx, wdev, p.m, p.n, p.k, p.k, p.k, p.n}, g_stream);
  CK(cudaGetLastError()); CK(cudaDeviceSynchronize());
  std::vector<unsigned char> ho(obytes);
  CK(cudaMemcpy(ho.data(), dout, obytes, cudaMemcpyDeviceToHost));
  auto out_at = [&](size_t i) -> float {
    if (v.of32) { float f; memcpy(&f, &ho[i * 4], 4); return f; }
    uint16_t b; memcpy(&b, &ho[i * 2], 2); return bf16_to_float(b);
  };
  double num = 0, den = 0; bool ok = true;
  for (int r = 0; r < p.m; ++r)
    for (int j : cols) {
      const double ref = ref_at(p, r, j), got = out_at((size_t)r * p.n + j);
      if (!std::isfinite(got)) ok = false;
      num += (got - ref) * (got - ref); den += ref * ref;
    }
  for (int j = 0; j < p.n; ++j) if (!std::isnan(out_at((size_t)p.m * p.n + j))) ok = false;  // guard row untouched
  const double rel = sqrt(num / std::max(den, 1e-30));
  // bf16 output rounding is 2^-9 relative; f32 output leaves only accumulation-order error.
  if (!(rel < (v.of32 ? 1e-5 : 6e-3))) ok = false;
  *rel_out = rel;
  CK(cudaFree(dx)); CK(cudaFree(dout)); if (dw) CK(cudaFree(dw));
  return ok;
}

// ---- cuBLAS through dlopen, so the harness builds where only the CUDA runtime is installed ----
typedef int (*CublasCreate)(void**);
typedef int (*CublasSetStream)(void*, cudaStream_t);
typedef int (*CublasGemmEx)(void*, int, int, int, int, int, const void*, const void*, int, int, const void*, int, int,
                            const void*, void*, int, int, int, int);
struct Cublas { void* handle = nullptr; CublasGemmEx gemm = nullptr; };
static Cublas open_cublas() {
  Cublas c;
  const char* names[] = {"libcublas.so.13", "libcublas.so", "/usr/local/cuda/lib64/libcublas.so.13", "/usr/local/cuda/lib64/libcublas.so",
                         "/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcublas.so.13"};
  void* lib = nullptr;
  for (const char* n : names) if ((lib = dlopen(n, RTLD_NOW)) != nullptr) break;
  if (!lib) { printf("cuBLAS: not found (tried libcublas.so.13, libcublas.so, cuda lib dirs)\n"); return c; }
  auto create = (CublasCreate)dlsym(lib, "cublasCreate_v2");
  c.gemm = (CublasGemmEx)dlsym(lib, "cublasGemmEx");
  auto set_stream = (CublasSetStream)dlsym(lib, "cublasSetStream_v2");
  if (!create || !c.gemm || !set_stream || create(&c.handle) != 0 || set_stream(c.handle, g_stream) != 0) {
    printf("cuBLAS: could not create a handle\n");
    c.gemm = nullptr;
  }
  return c;
}
static Cublas g_cublas;
static void launch_cublas(const Args& a, cudaStream_t) {
  // Column-major view: C[n, m] = op_T(W as [k, n]) * x as [k, m]. 14 = CUDA_R_16BF, 68 = CUBLAS_COMPUTE_32F, -1 = default algo.
  const float alpha = 1.f, beta = 0.f;
  int st = g_cublas.gemm(g_cublas.handle, 1, 0, a.n, a.rows, a.k, &alpha, a.w, 14, (int)a.ldw, a.x, 14, (int)a.ldx, &beta, a.out, 14, (int)a.ldo, 68, -1);
  if (st != 0) { fprintf(stderr, "cublasGemmEx status %d\n", st); exit(2); }
}

// ---- timing ----
static float median(std::vector<float> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; }
struct Timing { float single_us, stream_us; };
static Timing time_launches(void (*launch)(const Args&, cudaStream_t), std::vector<Args>& sets) {
  cudaEvent_t a, b; CK(cudaEventCreate(&a)); CK(cudaEventCreate(&b));
  for (int i = 0; i < 6; ++i) launch(sets[i % sets.size()], g_stream);
  CK(cudaGetLastError()); CK(cudaDeviceSynchronize());
  std::vector<float> single, stream;
  for (int rep = 0; rep < 60; ++rep) {
    CK(cudaEventRecord(a, g_stream)); launch(sets[rep % sets.size()], g_stream); CK(cudaEventRecord(b, g_stream)); CK(cudaEventSynchronize(b));
    float ms; CK(cudaEventElapsedTime(&ms, a, b)); single.push_back(ms * 1000.f);
  }
  const int burst = 40;
  for (int rep = 0; rep < 9; ++rep) {
    CK(cudaEventRecord(a, g_stream));
    for (int i = 0; i < burst; ++i) launch(sets[(rep * burst + i) % sets.size()], g_stream);
    CK(cudaEventRecord(b, g_stream)); CK(cudaEventSynchronize(b));
    float ms; CK(cudaEventElapsedTime(&ms, a, b)); stream.push_back(ms * 1000.f / burst);
  }
  CK(cudaGetLastError());
  CK(cudaEventDestroy(a)); CK(cudaEventDestroy(b));
  return {median(single), median(stream)};
}

static double copy_ceiling_gbps() {
  const size_t bytes = 256ull << 20;
  void *s, *d; CK(cudaMalloc(&s, bytes)); CK(cudaMalloc(&d, bytes)); CK(cudaMemset(s, 1, bytes));
  cudaEvent_t a, b; CK(cudaEventCreate(&a)); CK(cudaEventCreate(&b));
  std::vector<float> t;
  for (int rep = 0; rep < 40; ++rep) {
    CK(cudaEventRecord(a, g_stream)); CK(cudaMemcpyAsync(d, s, bytes, cudaMemcpyDeviceToDevice, g_stream)); CK(cudaEventRecord(b, g_stream)); CK(cudaEventSynchronize(b));
    float ms; CK(cudaEventElapsedTime(&ms, a, b)); if (rep >= 5) t.push_back(ms);
  }
  CK(cudaFree(s)); CK(cudaFree(d));
  return 2.0 * bytes / (median(t) * 1e-3) / 1e9;
}

int main(int argc, char** argv) {
  cudaDeviceProp prop; CK(cudaGetDeviceProperties(&prop, 0));
  printf("device: %s, %d SMs, L2 %d MB\n", prop.name, prop.multiProcessorCount, prop.l2CacheSize >> 20);
  std::mt19937 rng(1234);
  CK(cudaStreamCreateWithFlags(&g_stream, cudaStreamNonBlocking));
  g_cublas = open_cublas();
  g_sms = prop.multiProcessorCount;
  CK(cudaMalloc(&g_sink, 4));

  // 1. correctness
  struct Shape { int m, n, k; };
  const Shape odd[] = {{1, 1001, 1008}, {3, 1001, 1008}, {8, 17, 8}, {5, 129, 2056}, {8, 4096, 4096}, {2, 4100, 14336}, {7, 33, 1003}, {3, 1001, 1003}};
  bool all_ok = true;
  auto check_one = [&](const Variant& v) {
    double worst = 0;
    for (const Shape& s : odd) {
      if (v.needs_k8 && s.k % 8 != 0) continue;
      Problem p = make_problem(s.m, s.n, s.k, rng, !v.xf32);
      std::vector<int> cols;
      for (int j = 0; j < s.n; j += std::max(1, s.n / 300)) cols.push_back(j);
      cols.push_back(s.n - 1);
      double rel; const bool ok = check(v, p, nullptr, cols, &rel);
      all_ok &= ok;
      worst = std::max(worst, rel);
      if (!ok) printf("  FAIL %-26s m=%d n=%d k=%d rel=%.2e\n", v.name, s.m, s.n, s.k, rel);
    }
    printf("  checked %-26s worst rel %.1e\n", v.name, worst);
  };
  for (const Variant& v : kVariants) check_one(v);
  for (const Variant& v : kCheckOnly) check_one(v);
  printf("correctness (odd sizes, poisoned output, guard row, all variants): %s\n", all_ok ? "PASS" : "FAIL");
  if (argc > 1 && strcmp(argv[1], "check") == 0) return all_ok ? 0 : 1;  // e.g. under compute-sanitizer

  // 2. ceiling
  const double copy = copy_ceiling_gbps();
  printf("copy ceiling (256 MiB D2D, read+write): %.0f GB/s\n", copy);

  // 3./4. decode shapes
  const Shape shapes[] = {{1, 4096, 4096}, {8, 4096, 4096}, {1, 14336, 4096}, {8, 14336, 4096},
                          {1, 4096, 14336}, {8, 4096, 14336}, {1, 128256, 4096}, {8, 128256, 4096}};
  const int only = argc > 1 ? atoi(argv[1]) : -1;  // "check" stopped above  // optional: time only variant index `only`
  std::vector<std::string> table;
  for (const Shape& s : shapes) {
    const size_t welems = (size_t)s.n * s.k;
    const int copies = (int)std::min<size_t>(64, std::max<size_t>(2, 3 * (size_t)prop.l2CacheSize / (welems * 2) + 2));
    std::vector<bf16*> ws(copies);
    for (int c = 0; c < copies; ++c) { CK(cudaMalloc(&ws[c], welems * 2)); fill_random_bf16<<<4096, 256>>>(ws[c], welems, 77 + c); }
    CK(cudaGetLastError()); CK(cudaDeviceSynchronize());
    void *xb, *xf, *out;
    CK(cudaMalloc(&xb, (size_t)s.m * s.k * 2)); CK(cudaMalloc(&xf, (size_t)s.m * s.k * 4)); CK(cudaMalloc(&out, (size_t)(s.m + 1) * s.n * 4));
    Problem host = make_problem(s.m, 1, s.k, rng, true);  // x only; w sampled back from the device below
    std::vector<uint16_t> hxb(host.x.size());
    for (size_t i = 0; i < hxb.size(); ++i) hxb[i] = float_to_bf16(host.x[i]);
    CK(cudaMemcpy(xb, hxb.data(), hxb.size() * 2, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(xf, host.x.data(), host.x.size() * 4, cudaMemcpyHostToDevice));
    const double bytes = 2.0 * welems + 2.0 * s.m * (s.n + s.k);
    char line[256];
    auto row = [&](const char* name, void (*launch)(const Args&, cudaStream_t), bool xf32) {
      std::vector<Args> sets;
      for (bf16* w : ws) sets.push_back(Args{out, xf32 ? xf : xb, w, s.m, s.n, s.k, s.k, s.k, s.n});
      const Timing t = time_launches(launch, sets);
      snprintf(line, sizeof line, "%-22s m=%d %6dx%-5d %7.1fus %5.0f %5.1f%% | strm %7.1fus %5.0f %5.1f%%",
               name, s.m, s.n, s.k, t.single_us, bytes / t.single_us / 1e3, 100 * bytes / t.single_us / 1e3 / copy,
               t.stream_us, bytes / t.stream_us / 1e3, 100 * bytes / t.stream_us / 1e3 / copy);
      table.push_back(line);
    };
    int idx = 0;
    for (const Variant& v : kVariants) {
      if (only < 0 || only == idx) row(v.name, v.launch, v.xf32);
      ++idx;
    }
    if (g_cublas.gemm) row("cuBLAS GemmEx bf16", launch_cublas, false);
    if (only < 0) row("read-only floor (W)", launch_read_only, false);
    // Sampled check at the real shape, against weights read back from the device (ENTRY mma, x bf16).
    {
      Problem p{s.m, s.n, s.k, host.x, std::vector<float>(welems)};
      std::vector<uint16_t> hw(welems);
      CK(cudaMemcpy(hw.data(), ws[0], welems * 2, cudaMemcpyDeviceToHost));
      for (size_t i = 0; i < welems; ++i) p.w[i] = bf16_to_float(hw[i]);
      std::vector<int> cols;
      for (int i = 0; i < 97; ++i) cols.push_back((int)(rng() % s.n));
      cols.push_back(s.n - 1);
      double rel; const bool ok = check(kVariants[1], p, ws[0], cols, &rel);
      all_ok &= ok;
      snprintf(line, sizeof line, "  sampled check m=%d %dx%d: %s (rel %.1e)", s.m, s.n, s.k, ok ? "ok" : "FAIL", rel);
      table.push_back(line);
    }
    for (bf16* w : ws) CK(cudaFree(w));
    CK(cudaFree(xb)); CK(cudaFree(xf)); CK(cudaFree(out));
  }
  printf("\n%s | copy %.0f GB/s | bytes = W + x + y | columns: 1-launch us, GB/s, %% of copy | stream (40 back-to-back)\n", prop.name, copy);
  for (const std::string& l : table) printf("%s\n", l.c_str());
  printf("overall correctness: %s\n", all_ok ? "PASS" : "FAIL");
  return all_ok ? 0 : 1;
}
