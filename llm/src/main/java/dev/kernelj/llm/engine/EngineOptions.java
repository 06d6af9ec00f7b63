package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.util.ProgressListener;
import java.util.function.Consumer;

/**
 * How {@link Engine#open} sets up a model.
 *
 * @param device where to run
 * @param gpuMemoryUtilization fraction of the card's memory the engine may use for weights, buffers
 *     and the KV cache together (vLLM's {@code --gpu-memory-utilization}); on the CPU, the fraction
 *     of the free Java heap. The KV cache takes what {@code maxBatch} sequences of {@code
 *     maxContext} tokens need; when that does not fit, opening fails saying what batch and context
 *     would fit
 * @param maxContext tokens per sequence the KV cache must hold (prompt + generated); 0 for the
 *     model's {@code max_position_embeddings} capped at 4096
 * @param maxBatch most sequences generated together
 * @param blockSize tokens per KV-cache block
 * @param activation dtype of activations and KV cache; null picks BF16 on CUDA and F32 on the CPU
 * @param cudaGraphs whether decode steps are captured as CUDA graphs and replayed (CUDA only)
 * @param progress receives weight-loading progress in bytes
 * @param notes receives one-line notes for the user (e.g. the CPU fallback of {@code auto})
 */
public record EngineOptions(
    Device device,
    double gpuMemoryUtilization,
    int maxContext,
    int maxBatch,
    int blockSize,
    DType activation,
    boolean cudaGraphs,
    ProgressListener progress,
    Consumer<String> notes) {
  public EngineOptions {
    if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
      throw new EngineException(
          "gpu memory utilization must be in (0, 1], got " + gpuMemoryUtilization);
    }
    if (maxContext < 0 || maxBatch < 1 || blockSize < 1) {
      throw new EngineException(
          "max context "
              + maxContext
              + " must be >= 0 (0: the model's), max batch "
              + maxBatch
              + " and block size "
              + blockSize
              + " >= 1");
    }
    if (activation != null
        && activation != DType.F32
        && activation != DType.F16
        && activation != DType.BF16) {
      throw new EngineException("activation dtype must be F32, F16 or BF16, got " + activation);
    }
  }

  /**
   * Auto device, 90% of memory, the model's context (up to 4096), batch 1, 16-token blocks, graphs
   * on.
   */
  public static EngineOptions defaults() {
    return new EngineOptions(
        Device.AUTO, 0.9, 0, 1, 16, null, true, ProgressListener.NONE, note -> {});
  }

  public EngineOptions withDevice(Device d) {
    return new EngineOptions(
        d,
        gpuMemoryUtilization,
        maxContext,
        maxBatch,
        blockSize,
        activation,
        cudaGraphs,
        progress,
        notes);
  }

  public EngineOptions withGpuMemoryUtilization(double u) {
    return new EngineOptions(
        device, u, maxContext, maxBatch, blockSize, activation, cudaGraphs, progress, notes);
  }

  public EngineOptions withMaxContext(int c) {
    return new EngineOptions(
        device,
        gpuMemoryUtilization,
        c,
        maxBatch,
        blockSize,
        activation,
        cudaGraphs,
        progress,
        notes);
  }

  public EngineOptions withMaxBatch(int b) {
    return new EngineOptions(
        device,
        gpuMemoryUtilization,
        maxContext,
        b,
        blockSize,
        activation,
        cudaGraphs,
        progress,
        notes);
  }

  public EngineOptions withBlockSize(int b) {
    return new EngineOptions(
        device,
        gpuMemoryUtilization,
        maxContext,
        maxBatch,
        b,
        activation,
        cudaGraphs,
        progress,
        notes);
  }

  public EngineOptions withActivation(DType a) {
    return new EngineOptions(
        device,
        gpuMemoryUtilization,
        maxContext,
        maxBatch,
        blockSize,
        a,
        cudaGraphs,
        progress,
        notes);
  }

  public EngineOptions withCudaGraphs(boolean g) {
    return new EngineOptions(
        device,
        gpuMemoryUtilization,
        maxContext,
        maxBatch,
        blockSize,
        activation,
        g,
        progress,
        notes);
  }

  public EngineOptions withProgress(ProgressListener p) {
    return new EngineOptions(
        device,
        gpuMemoryUtilization,
        maxContext,
        maxBatch,
        blockSize,
        activation,
        cudaGraphs,
        p,
        notes);
  }

  public EngineOptions withNotes(Consumer<String> n) {
    return new EngineOptions(
        device,
        gpuMemoryUtilization,
        maxContext,
        maxBatch,
        blockSize,
        activation,
        cudaGraphs,
        progress,
        n);
  }
}
