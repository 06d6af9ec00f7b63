package dev.kernelj.ops;

import dev.kernelj.dsl.DType;
import java.util.Set;

/**
 * What a backend runs and how it keeps tensors, so that an engine can choose dtypes, size its
 * memory and refuse a model the backend cannot run before it loads a single weight.
 *
 * @param backend the backend's name in messages: {@code "CUDA"} or {@code "reference"}
 * @param deviceMemory whether tensors live in device memory (so weights are uploaded and step
 *     inputs go through {@link StepIo}'s pinned buffers) rather than in Java arrays
 * @param graphs whether {@link Ops#captureGraph} captures (otherwise it returns empty and callers
 *     queue the work themselves every time)
 * @param preferredActivation the activation dtype the backend runs fastest and by default
 * @param attentionDtypes the dtypes its attention ops take (activations and KV cache)
 * @param attentionHeadDims the head sizes its attention ops take; empty for any
 * @param weightDtypes the weight dtypes {@link Ops#matmul} takes
 * @param quantizedBits the code widths of the packed weights {@link Ops#quantizedMatmul} takes (4,
 *     8); empty where the backend runs no quantized weights
 * @param quantizedActivations the activation dtypes {@link Ops#quantizedMatmul} takes
 * @param maxGemvRows rows up to which {@link Ops#matmul} reads each weight once whatever the row
 *     count (a GEMV), so a step of that many rows costs about what one row costs; 0 where there is
 *     no such kernel
 * @param batchInvariant whether each row's result is the same bits whatever other rows share the
 *     call ({@link OpsOptions#batchInvariant}): true on the reference backend, which computes row
 *     by row; on CUDA only when opened in that mode
 */
public record Capabilities(
    String backend,
    boolean deviceMemory,
    boolean graphs,
    DType preferredActivation,
    Set<DType> attentionDtypes,
    Set<Integer> attentionHeadDims,
    Set<DType> weightDtypes,
    Set<Integer> quantizedBits,
    Set<DType> quantizedActivations,
    int maxGemvRows,
    boolean batchInvariant) {
  public Capabilities {
    attentionDtypes = Set.copyOf(attentionDtypes);
    attentionHeadDims = Set.copyOf(attentionHeadDims);
    weightDtypes = Set.copyOf(weightDtypes);
    quantizedBits = Set.copyOf(quantizedBits);
    quantizedActivations = Set.copyOf(quantizedActivations);
  }

  /** Whether {@link Ops#quantizedMatmul} takes {@code bits}-bit codes with {@code activation}. */
  public boolean quantizedTakes(int bits, DType activation) {
    return quantizedBits.contains(bits) && quantizedActivations.contains(activation);
  }

  /** Whether the attention ops take activations of {@code dtype}. */
  public boolean attentionTakes(DType dtype) {
    return attentionDtypes.contains(dtype);
  }

  /** Whether the attention ops take heads of {@code headDim}. */
  public boolean attentionTakesHeadDim(int headDim) {
    return attentionHeadDims.isEmpty() || attentionHeadDims.contains(headDim);
  }

  /**
   * Bytes one element of {@code dtype} takes in this backend's memory: its size on a device; in
   * Java arrays 4 for every floating dtype and i32 (host tensors keep floats as floats), 1 for
   * bytes.
   */
  public int elementBytes(DType dtype) {
    if (deviceMemory) {
      return dtype.byteSize();
    }
    return DTypes.isFloating(dtype) || dtype == DType.I32 ? 4 : dtype.byteSize();
  }
}
