package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.invariant.InvariantGemm;

/**
 * The batch-invariant matmul of {@link CudaOps}: KernelJ's own fixed-order GEMM ({@link
 * InvariantGemm}) where it takes the operands (f16/bf16 x and w of one type, k a multiple of 64,
 * 16-byte aligned rows), which is most of a model's projections, and otherwise the pinned cuBLASLt
 * algorithm. Either way a weight meets one path for every row count, so the bits of a row never
 * depend on the batch. {@code -Dkernelj.invariantGemm=cublaslt} sends every shape to cuBLASLt (for
 * benchmarks that compare the two).
 */
public final class InvariantMatmulOps {
  private final LoadedKernels kernels;
  private final DeviceScratch scratch;
  private final StreamRef stream;
  private final int multiprocessors;
  private final boolean ownKernel;

  InvariantMatmulOps(DevicePort port, LoadedKernels kernels, DeviceScratch scratch) {
    this.kernels = kernels;
    this.scratch = scratch;
    this.stream = port.stream();
    this.multiprocessors = port.multiprocessorCount();
    this.ownKernel = !"cublaslt".equals(System.getProperty("kernelj.invariantGemm"));
  }

  /**
   * {@code out[m, n] = x[m, k] · w[n, k]ᵀ} by {@link InvariantGemm} when it takes the operands;
   * false (nothing launched) when the caller must use the pinned cuBLASLt algorithm.
   */
  boolean tryRun(Tensor out, Tensor x, Tensor w, int m, int n, int k) {
    if (!ownKernel
        || !InvariantGemm.supports(
            x.dtype(),
            w.dtype(),
            out.dtype(),
            k,
            x.address(),
            x.rowStride(),
            w.address(),
            w.rowStride())) {
      return false;
    }
    int splits = InvariantGemm.splits(n, k, multiprocessors);
    Tensor partials =
        splits == 1
            ? null
            : scratch.tensor(
                "invariant.partials", DType.F32, InvariantGemm.partialFloats(m, n, splits), false);
    InvariantGemm.run(
        kernels.invariantGemm(),
        stream,
        out,
        x,
        w,
        partials,
        m,
        n,
        k,
        x.rowStride(),
        w.rowStride(),
        out.rowStride(),
        splits);
    return true;
  }
}
