// What the standalone kernel benches (qgemm_bench, igemm_bench) share: their command line and the copy ceiling they
// divide by.
#pragma once
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string>

// [--shape NxK] [--rows M] [--variant SUBSTRING] [--reps R]
struct BenchArgs {
  std::string shape, variant;
  int rows = 0, reps = 50;
};
static bool parse_bench_args(int argc, char** argv, BenchArgs* out) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return false;
    if (a == "--shape") out->shape = argv[++i];
    else if (a == "--rows") out->rows = atoi(argv[++i]);
    else if (a == "--variant") out->variant = argv[++i];
    else if (a == "--reps") out->reps = atoi(argv[++i]);
    else return false;
  }
  return true;
}

// Device-to-device copy bandwidth of 256 MiB, read plus write counted, as OpsBench measures it (3 warm-up copies,
// then 10 timed).

static double copy_ceiling_gbs(cudaStream_t stream) {
  auto check = [](cudaError_t e, const char* what) {
    if (e != cudaSuccess) { fprintf(stderr, "copy ceiling: %s: %s\n", what, cudaGetErrorString(e)); exit(2); }
  };
  const size_t bytes = 256u << 20;
  void *a, *b;
  cudaEvent_t e0, e1;
  check(cudaMalloc(&a, bytes), "cudaMalloc");
  check(cudaMalloc(&b, bytes), "cudaMalloc");
  check(cudaEventCreate(&e0), "cudaEventCreate");
  check(cudaEventCreate(&e1), "cudaEventCreate");
  check(cudaMemsetAsync(a, 1, bytes, stream), "cudaMemsetAsync");
  for (int i = 0; i < 3; ++i) check(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice, stream), "cudaMemcpyAsync");
  check(cudaEventRecord(e0, stream), "cudaEventRecord");
  for (int i = 0; i < 10; ++i) check(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice, stream), "cudaMemcpyAsync");
  check(cudaEventRecord(e1, stream), "cudaEventRecord");
  check(cudaEventSynchronize(e1), "cudaEventSynchronize");
  float ms;
  check(cudaEventElapsedTime(&ms, e0, e1), "cudaEventElapsedTime");
  check(cudaFree(a), "cudaFree");
  check(cudaFree(b), "cudaFree");
  check(cudaEventDestroy(e0), "cudaEventDestroy");
  check(cudaEventDestroy(e1), "cudaEventDestroy");
  return 2.0 * bytes * 10 / (ms * 1e-3) / 1e9;
}
