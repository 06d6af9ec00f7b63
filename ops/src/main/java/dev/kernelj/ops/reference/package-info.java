/**
 * The Java reference backend: host tensors, every op computed by the reference twin in its op file
 * (f64 accumulation, the kernels' rounding points), so it is both the CUDA backend's test oracle
 * and the LLM runtime's CPU fallback. Its {@link dev.kernelj.ops.StepIo} writes the host arrays in
 * place (with the CUDA capacity rule), its {@link dev.kernelj.ops.TokenSampler} runs the sampling
 * kernels' twin over the same per-row settings, and it captures no graphs.
 */
package dev.kernelj.ops.reference;
