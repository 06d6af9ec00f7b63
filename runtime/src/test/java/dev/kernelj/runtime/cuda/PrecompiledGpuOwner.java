package dev.kernelj.runtime.cuda;

/** Owner of the fatbin {@link PrecompiledGpuTest} builds with nvcc and writes beside this class. */
interface PrecompiledGpuOwner {
  String SOURCE =
      """
      extern "C" __global__ void fill_seven(int* p, int n) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) p[i] = 7;
      }
      """;
}
