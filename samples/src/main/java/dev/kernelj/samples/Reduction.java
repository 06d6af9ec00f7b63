package dev.kernelj.samples;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;

/**
 * Sample 02's kernel: each block sums its slice in dynamic shared memory (tree reduction, then warp
 * shuffles) and writes one partial sum; a second launch of one block sums the partials.
 */
@Kernel(resource = "reduction.cu")
public interface Reduction {
  @Global(maxThreadsPerBlock = 1024, maxDynamicSharedBytes = 4096)
  void block_sum(Launch launch, long n, ConstPtr<F32> input, Ptr<F32> partials);
}
