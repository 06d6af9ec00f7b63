package dev.kernelj.llm.serving;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.EngineException;
import dev.kernelj.llm.util.ProgressListener;
import java.util.function.Consumer;

/**
 * How a {@link ServingEngine} is set up ({@code ServingEngine.open}); build one with {@link
 * #builder()}.
 *
 * @param device where to run
 * @param gpuMemoryUtilization fraction of the card's memory for weights, step buffers and the KV
 *     block pool together (on the CPU, of the free Java heap); the pool takes what is left
 * @param maxModelLen longest prompt + output of one request; 0 for the model's {@code
 *     max_position_embeddings} capped at 4096
 * @param maxNumSeqs most sequences in the running batch (vLLM's {@code --max-num-seqs})
 * @param maxNumBatchedTokens token budget of one step: decode rows and prefill chunks together
 *     (vLLM's {@code --max-num-batched-tokens}); a longer prompt is prefilled in chunks
 * @param prefixCaching whether full KV blocks are kept and shared by requests with the same prefix
 * @param maxWaiting most requests queued; more are rejected with {@code QUEUE_FULL}
 * @param blockSize tokens per KV block
 * @param numKvBlocks blocks in the pool; 0 sizes it from the memory budget (at most what {@code
 *     maxNumSeqs} sequences of {@code maxModelLen} tokens address). A set count may be smaller than
 *     one longest sequence: requests that cannot fit are then rejected at submission
 * @param activation dtype of activations and KV cache; null picks BF16 on CUDA, F32 on the CPU
 * @param cudaGraphs whether decode-only steps replay CUDA graphs captured per batch-size bucket
 * @param batchInvariant whether a request's output must not depend on the requests beside it: the
 *     CUDA backend then runs every projection through one pinned GEMM for all row counts and splits
 *     decode attention at fixed partitions ({@link dev.kernelj.ops.OpsOptions}); on by default
 * @param progress receives weight-loading progress in bytes
 * @param notes receives one-line notes for the user (e.g. the CPU fallback of {@code auto})
 */
public record ServingOptions(
    Device device,
    double gpuMemoryUtilization,
    int maxModelLen,
    int maxNumSeqs,
    int maxNumBatchedTokens,
    boolean prefixCaching,
    int maxWaiting,
    int blockSize,
    int numKvBlocks,
    DType activation,
    boolean cudaGraphs,
    boolean batchInvariant,
    ProgressListener progress,
    Consumer<String> notes) {
  public ServingOptions {
    if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
      throw new EngineException(
          "gpu memory utilization must be in (0, 1], got " + gpuMemoryUtilization);
    }
    if (maxModelLen < 0 || maxNumSeqs < 1 || maxWaiting < 0 || blockSize < 1 || numKvBlocks < 0) {
      throw new EngineException(
          "max model length "
              + maxModelLen
              + " (>= 0, 0: the model's), max sequences "
              + maxNumSeqs
              + " (>= 1), max waiting "
              + maxWaiting
              + " (>= 0), block size "
              + blockSize
              + " (>= 1) and KV blocks "
              + numKvBlocks
              + " (>= 0, 0: from memory) out of range");
    }
    if (maxNumBatchedTokens < maxNumSeqs) {
      throw new EngineException(
          "max batched tokens "
              + maxNumBatchedTokens
              + " must be at least max sequences "
              + maxNumSeqs
              + ": every running sequence needs a token of each step's budget");
    }
    if (activation != null
        && activation != DType.F32
        && activation != DType.F16
        && activation != DType.BF16) {
      throw new EngineException("activation dtype must be F32, F16 or BF16, got " + activation);
    }
  }

  /** Defaults: auto device, 90% of memory, 256 sequences, 2048 tokens a step, prefix caching on. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.device = device;
    b.gpuMemoryUtilization = gpuMemoryUtilization;
    b.maxModelLen = maxModelLen;
    b.maxNumSeqs = maxNumSeqs;
    b.maxNumBatchedTokens = maxNumBatchedTokens;
    b.prefixCaching = prefixCaching;
    b.maxWaiting = maxWaiting;
    b.blockSize = blockSize;
    b.numKvBlocks = numKvBlocks;
    b.activation = activation;
    b.cudaGraphs = cudaGraphs;
    b.batchInvariant = batchInvariant;
    b.progress = progress;
    b.notes = notes;
    return b;
  }

  /** Builds {@link ServingOptions}; every setter returns the builder. */
  public static final class Builder {
    private Device device = Device.AUTO;
    private double gpuMemoryUtilization = 0.9;
    private int maxModelLen;
    private int maxNumSeqs = 256;
    private int maxNumBatchedTokens = 2048;
    private boolean prefixCaching = true;
    private int maxWaiting = 10_000;
    private int blockSize = 16;
    private int numKvBlocks;
    private DType activation;
    private boolean cudaGraphs = true;
    private boolean batchInvariant = true;
    private ProgressListener progress = ProgressListener.NONE;
    private Consumer<String> notes = note -> {};

    private Builder() {}

    public Builder device(Device d) {
      device = d;
      return this;
    }

    public Builder gpuMemoryUtilization(double u) {
      gpuMemoryUtilization = u;
      return this;
    }

    public Builder maxModelLen(int n) {
      maxModelLen = n;
      return this;
    }

    public Builder maxNumSeqs(int n) {
      maxNumSeqs = n;
      return this;
    }

    public Builder maxNumBatchedTokens(int n) {
      maxNumBatchedTokens = n;
      return this;
    }

    public Builder prefixCaching(boolean on) {
      prefixCaching = on;
      return this;
    }

    public Builder maxWaiting(int n) {
      maxWaiting = n;
      return this;
    }

    public Builder blockSize(int n) {
      blockSize = n;
      return this;
    }

    public Builder numKvBlocks(int n) {
      numKvBlocks = n;
      return this;
    }

    public Builder activation(DType a) {
      activation = a;
      return this;
    }

    public Builder cudaGraphs(boolean on) {
      cudaGraphs = on;
      return this;
    }

    public Builder batchInvariant(boolean on) {
      batchInvariant = on;
      return this;
    }

    public Builder progress(ProgressListener p) {
      progress = p;
      return this;
    }

    public Builder notes(Consumer<String> n) {
      notes = n;
      return this;
    }

    public ServingOptions build() {
      return new ServingOptions(
          device,
          gpuMemoryUtilization,
          maxModelLen,
          maxNumSeqs,
          maxNumBatchedTokens,
          prefixCaching,
          maxWaiting,
          blockSize,
          numKvBlocks,
          activation,
          cudaGraphs,
          batchInvariant,
          progress,
          notes);
    }
  }
}
