/**
 * Sampling, every part in this folder: the kernels (penalties, a reproducible Philox draw with
 * temperature, top-k, top-p and min-p, top-N and per-token logprobs), their launch code and Java
 * twin, the tensor rules of the sampling ops and token samplers, and {@code SamplingRows}, the one
 * definition of the per-row settings block both backends' samplers fill.
 */
package dev.kernelj.ops.kernels.sampling;
