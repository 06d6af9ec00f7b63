package dev.kernelj.samples;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.F64;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;

/**
 * Sample 04's kernel: one C++ template, two instantiations. Each Java method names its
 * instantiation; the processor checks {@code T*} as {@code float*} for one and {@code double*} for
 * the other.
 */
@Kernel(
    source =
        """
    template <typename T>
    __global__ void scale(T* data, T factor, int n) {
      int i = blockIdx.x * blockDim.x + threadIdx.x;
      if (i < n) {
        data[i] *= factor;
      }
    }
    """)
public interface Scale {
  @Global("scale<float>")
  void scaleF32(Launch launch, Ptr<F32> data, float factor, int n);

  @Global("scale<double>")
  void scaleF64(Launch launch, Ptr<F64> data, double factor, int n);
}
