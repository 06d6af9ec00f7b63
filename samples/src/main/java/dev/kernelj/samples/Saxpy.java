package dev.kernelj.samples;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;

/** Sample 01's kernels: y = a·x + y, and c = a + b. */
@Kernel(
    source =
        """
    extern "C" __global__ void saxpy(int n, float a, const float* __restrict__ x, float* __restrict__ y) {
      int i = blockIdx.x * blockDim.x + threadIdx.x;
      if (i < n) {
        y[i] = a * x[i] + y[i];
      }
    }

    extern "C" __global__ void vector_add(int n, const float* a, const float* b, float* c) {
      for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        c[i] = a[i] + b[i];
      }
    }
    """)
public interface Saxpy {
  void saxpy(Launch launch, int n, float a, ConstPtr<F32> x, Ptr<F32> y);

  void vector_add(Launch launch, int n, ConstPtr<F32> a, ConstPtr<F32> b, Ptr<F32> c);
}
