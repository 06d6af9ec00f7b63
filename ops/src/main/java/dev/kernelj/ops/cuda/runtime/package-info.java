/**
 * The one place the ops module uses the runtime module (besides the launchers the annotation
 * processor generates): {@link dev.kernelj.ops.cuda.runtime.RuntimeDevicePort} implements the CUDA
 * backend's device port over the runtime's context, non-blocking stream, stream-ordered allocator,
 * pinned buffers, {@code StreamMemory} copies and fills, graphs, events and cuBLAS; {@link
 * dev.kernelj.ops.cuda.runtime.RuntimeDeviceProvider} registers it for {@code ServiceLoader};
 * {@link dev.kernelj.ops.cuda.runtime.LauncherLookup} finds the generated launchers.
 */
package dev.kernelj.ops.cuda.runtime;
