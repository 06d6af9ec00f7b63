/**
 * The CUDA backend: {@link dev.kernelj.ops.cuda.CudaOps} maps tensors onto the op files' kernels
 * and cuBLAS, on the one stream of a {@link dev.kernelj.ops.cuda.DevicePort}, after the same tensor
 * checks as the reference backend plus what only the kernels require (bf16 attention, head size 64
 * or 128, 16-byte aligned rows). Beside it: the attention, RoPE + KV append and sampling glue,
 * device scratch that a captured graph may keep naming, pinned uploads, the pinned {@link
 * dev.kernelj.ops.StepIo} and the {@link dev.kernelj.ops.TokenSampler} whose per-row settings live
 * in one device block that a captured step reads at replay.
 *
 * <p>Nothing here touches the runtime module: {@link dev.kernelj.ops.cuda.DevicePort} is what the
 * backend needs from it, implemented in {@code ops.cuda.runtime}. Tests implement the port without
 * a device (launches recorded, not run).
 */
package dev.kernelj.ops.cuda;
