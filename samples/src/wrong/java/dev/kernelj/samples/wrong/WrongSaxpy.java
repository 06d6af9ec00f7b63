package dev.kernelj.samples.wrong;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;

/**
 * Deliberately wrong: kept out of the build (Maven compiles src/main/java only). The README shows
 * what javac says about it; compile it yourself with the command there.
 */
@Kernel(source = """
    extern "C" __global__ void saxpy(int n, float a, const float* x, float* y) {
      int i = blockIdx.x * blockDim.x + threadIdx.x;
      if (i < n) y[i] = a * x[i] + y[i];
    }

    extern "C" __global__ void axpby(int n, float a, const float* x, float b, float* y) {
      int i = blockIdx.x * blockDim.x + threadIdx.x;
      if (i < n) y[i] = a * x[i] + b * y[i];
    }
    """)
public interface WrongSaxpy {
  // n is a 64-bit long in Java but a 32-bit int in CUDA; y is declared read-only but the kernel writes it.
  void saxpy(Launch launch, long n, float a, ConstPtr<F32> x, ConstPtr<F32> y);

  // x points to __half in Java but to float in CUDA.
  void axpby(Launch launch, int n, float a, ConstPtr<F16> x, float b, Ptr<F32> y);

  // There is no __global__ named saxpy2.
  void saxpy2(Launch launch, int n, float a, ConstPtr<F32> x, Ptr<F32> y);
}
