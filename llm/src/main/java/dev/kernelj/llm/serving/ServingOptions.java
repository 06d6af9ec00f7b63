package dev.kernelj.llm.serving;

import dev.kernelj.llm.engine.EngineException;
import dev.kernelj.llm.engine.EngineOptions;

/**
 * How a {@link ServingEngine} is set up: the model's device and memory, and the scheduler's limits
 * (the flags of {@code kernelj serve} and {@code kernelj bench --serve}, named as vLLM names them).
 *
 * @param engine device, memory fraction ({@code --gpu-memory-utilization}), context per sequence
 *     ({@code --max-model-len}; 0: the model's, at most 4096), block size, dtype, CUDA graphs,
 *     progress and notes
 * @param maxNumSeqs most requests in the running batch ({@code --max-num-seqs})
 * @param maxNumBatchedTokens most tokens one scheduler step computes, decode tokens and prefill
 *     chunks together ({@code --max-num-batched-tokens})
 * @param maxWaiting most requests queued beyond the running batch; a submission past it is rejected
 *     with {@link RequestRejectedException.Reason#QUEUE_FULL} ({@code --max-waiting})
 * @param prefixCaching whether full KV blocks are shared between requests with the same prefix
 *     ({@code --no-prefix-caching} turns it off)
 */
public record ServingOptions(
    EngineOptions engine,
    int maxNumSeqs,
    int maxNumBatchedTokens,
    int maxWaiting,
    boolean prefixCaching) {
  public static final int DEFAULT_MAX_NUM_SEQS = 256;
  public static final int DEFAULT_MAX_NUM_BATCHED_TOKENS = 2048;
  public static final int DEFAULT_MAX_WAITING = 4096;

  public ServingOptions {
    if (engine == null) {
      throw new EngineException("serving options need engine options");
    }
    if (maxNumSeqs < 1 || maxNumBatchedTokens < 1 || maxWaiting < 1) {
      throw new EngineException(
          "max num seqs "
              + maxNumSeqs
              + ", max num batched tokens "
              + maxNumBatchedTokens
              + " and max waiting "
              + maxWaiting
              + " must all be >= 1");
    }
  }

  /** vLLM's defaults (256 sequences, 2048 tokens a step, prefix caching on) over {@code engine}. */
  public static ServingOptions defaults(EngineOptions engine) {
    return new ServingOptions(
        engine, DEFAULT_MAX_NUM_SEQS, DEFAULT_MAX_NUM_BATCHED_TOKENS, DEFAULT_MAX_WAITING, true);
  }

  public ServingOptions withEngine(EngineOptions e) {
    return new ServingOptions(e, maxNumSeqs, maxNumBatchedTokens, maxWaiting, prefixCaching);
  }

  public ServingOptions withMaxNumSeqs(int n) {
    return new ServingOptions(engine, n, maxNumBatchedTokens, maxWaiting, prefixCaching);
  }

  public ServingOptions withMaxNumBatchedTokens(int n) {
    return new ServingOptions(engine, maxNumSeqs, n, maxWaiting, prefixCaching);
  }

  public ServingOptions withMaxWaiting(int n) {
    return new ServingOptions(engine, maxNumSeqs, maxNumBatchedTokens, n, prefixCaching);
  }

  public ServingOptions withPrefixCaching(boolean on) {
    return new ServingOptions(engine, maxNumSeqs, maxNumBatchedTokens, maxWaiting, on);
  }
}
