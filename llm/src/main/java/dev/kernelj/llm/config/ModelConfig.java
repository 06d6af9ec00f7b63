package dev.kernelj.llm.config;

import java.util.List;

/**
 * The shape and hyper-parameters of a Llama-family model, read from {@code config.json} (see {@link
 * ModelConfigReader}), with the sampling defaults of {@code generation_config.json}.
 *
 * @param architecture model family
 * @param modelType {@code model_type} as written ({@code llama}, {@code mistral}, {@code qwen2},
 *     {@code qwen3})
 * @param hiddenSize model width
 * @param intermediateSize MLP width
 * @param numLayers decoder layers
 * @param numHeads query heads
 * @param numKvHeads key/value heads (fewer than {@code numHeads} for grouped-query attention)
 * @param headDim width of one head ({@code head_dim}, by default {@code hiddenSize / numHeads})
 * @param vocabSize rows of the embedding and the LM head
 * @param maxPositionEmbeddings the context length the model was trained for
 * @param rmsNormEps RMSNorm epsilon
 * @param ropeTheta RoPE base frequency
 * @param ropeScaling RoPE rescaling, {@link RopeScaling.None} when absent
 * @param tieWordEmbeddings whether the LM head reuses the embedding matrix (no {@code
 *     lm_head.weight})
 * @param attentionBias whether the q, k, v projections have biases (always for Qwen2)
 * @param mlpBias whether the MLP projections have biases
 * @param slidingWindow sliding-window attention size in tokens, 0 when attention is full
 * @param hiddenAct MLP activation ({@code silu} for these families)
 * @param torchDtype the dtype the weights were saved in ({@code torch_dtype} or {@code dtype}),
 *     {@code float32} when unset (Hugging Face's default)
 * @param bosTokenId beginning-of-sequence id from config.json, -1 when unset
 * @param eosTokenIds end-of-sequence ids from config.json, empty when unset
 * @param generation generation defaults ({@code generation_config.json}, else derived from here)
 */
public record ModelConfig(
    Architecture architecture,
    String modelType,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int vocabSize,
    int maxPositionEmbeddings,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    boolean mlpBias,
    int slidingWindow,
    String hiddenAct,
    String torchDtype,
    int bosTokenId,
    List<Integer> eosTokenIds,
    GenerationConfig generation) {
  public ModelConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /**
   * Whether each head of q and of k is RMS-normed ({@code self_attn.q_norm}, {@code k_norm},
   * weights of {@code headDim}) before RoPE, as in Qwen3.
   */
  public boolean qkNorm() {
    return architecture == Architecture.QWEN3;
  }

  /** Query heads per key/value head. */
  public int queryGroupSize() {
    return numHeads / numKvHeads;
  }

  /**
   * Bytes of KV cache per token: K and V, every layer, every KV head, at {@code bytesPerElement}
   * each (2 for bf16/f16).
   */
  public long kvCacheBytesPerToken(int bytesPerElement) {
    return 2L * numLayers * numKvHeads * headDim * bytesPerElement;
  }
}
