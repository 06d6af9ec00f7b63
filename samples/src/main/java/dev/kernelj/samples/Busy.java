package dev.kernelj.samples;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;

/** Samples 05 and 06: a small kernel that does a known amount of work, to time and to chain. */
@Kernel(
    source =
        """
    extern "C" __global__ void increment(int n, float* data, int rounds) {
      int i = blockIdx.x * blockDim.x + threadIdx.x;
      if (i < n) {
        float v = data[i];
        for (int r = 0; r < rounds; ++r) {
          v += 1.0f;
        }
        data[i] = v;
      }
    }
    """)
public interface Busy {
  void increment(Launch launch, int n, Ptr<F32> data, int rounds);
}
