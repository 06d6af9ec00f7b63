/**
 * The ops, one file each (a folder for attention and sampling): the CUDA C, the {@code @Kernel}
 * interface with one {@code @Global("kernel<float, __half>")} per template instantiation, the
 * launch plan (grid from sizes, size checks), the entry point that takes tensors and finds its
 * instantiation in an {@link dev.kernelj.ops.kernels.Instantiations} table of typed entries, and
 * the reference twin on arrays. Where a file would pass ~400 lines, the kernels and their table go
 * to {@code XKernels.java} beside {@code X.java} (RmsNorm, Gemv). {@link
 * dev.kernelj.ops.kernels.CudaPrelude} and {@link dev.kernelj.ops.kernels.PtxPrelude} are the CUDA
 * C and PTX helpers the sources start with; {@link dev.kernelj.ops.kernels.OpChecks} holds the
 * tensor checks both backends make.
 */
package dev.kernelj.ops.kernels;
