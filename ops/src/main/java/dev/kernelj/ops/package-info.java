/**
 * The ops API: everything an engine needs from a backend, the same for the CUDA backend and the
 * Java reference backend.
 *
 * <ul>
 *   <li>{@link dev.kernelj.ops.Ops} (opened by {@link dev.kernelj.ops.Backends}): tensors, the ops
 *       of a Llama-family forward pass, attention over a paged KV cache, sampling and logprobs.
 *   <li>The step machinery: {@link dev.kernelj.ops.Capabilities} (what the backend takes: attention
 *       dtypes and head sizes, weight dtypes, GEMV rows, graphs, bytes per element), {@link
 *       dev.kernelj.ops.MemoryInfo} (the budget), {@link dev.kernelj.ops.StepIo} (step inputs in,
 *       sampled ids out, through pinned memory on CUDA), {@link dev.kernelj.ops.TokenSampler} with
 *       per-row {@link dev.kernelj.ops.SampleRow}s (settings, seed, step, history, logprobs; one
 *       device block, laid out by {@link dev.kernelj.ops.kernels.sampling.SamplingRows}), and
 *       {@link dev.kernelj.ops.CapturedGraph} from {@link dev.kernelj.ops.Ops#captureGraph}.
 *   <li>{@link dev.kernelj.ops.Tensor}, its dtypes and host encodings, {@link
 *       dev.kernelj.ops.Residency} (where an op's tensors must live) and {@link
 *       dev.kernelj.ops.OpArgumentException} (bad input, one message, before anything runs).
 * </ul>
 *
 * <p>Where the rest lives: each op's kernel, {@code @Kernel} signature, launch plan and reference
 * twin in {@code ops.kernels} (one file, or one folder for attention and sampling); the CUDA
 * backend's glue in {@code ops.cuda}, its one use of the runtime module in {@code
 * ops.cuda.runtime}; the reference backend in {@code ops.reference}.
 */
package dev.kernelj.ops;
