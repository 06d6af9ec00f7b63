package dev.kernelj.llm.cli;

import java.util.List;
import java.util.Map;

/**
 * What {@code kernelj info} reports about a model directory; serialized as is (snake_case keys) for
 * {@code --json}.
 *
 * @param modelDir the directory
 * @param architecture Hugging Face architecture name
 * @param modelType {@code model_type}
 * @param parameters logical parameter count (a quantized weight counts its unpacked elements;
 *     quantization scales and zeros are not parameters)
 * @param dtype {@code torch_dtype} from config.json
 * @param tensorDtypes number of tensors per stored dtype
 * @param quantization null when the weights are not quantized
 * @param layers decoder layers
 * @param heads query heads
 * @param kvHeads key/value heads
 * @param headDim head width
 * @param hiddenSize model width
 * @param intermediateSize MLP width
 * @param vocabSize vocabulary size
 * @param contextLength {@code max_position_embeddings}
 * @param ropeTheta RoPE base
 * @param ropeScaling e.g. {@code "llama3 (factor 8.0, original context 8192)"} or {@code "none"}
 * @param slidingWindow sliding-window size, 0 for full attention
 * @param tiedEmbeddings whether the LM head shares the embedding
 * @param tokenizer tokenizer kind
 * @param shards the weight files
 * @param memory memory estimate on the device asked for
 */
public record ModelSummary(
    String modelDir,
    String architecture,
    String modelType,
    long parameters,
    String dtype,
    Map<String, Integer> tensorDtypes,
    Quantization quantization,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int hiddenSize,
    int intermediateSize,
    int vocabSize,
    int contextLength,
    double ropeTheta,
    String ropeScaling,
    int slidingWindow,
    boolean tiedEmbeddings,
    String tokenizer,
    List<Shard> shards,
    Memory memory) {

  /**
   * @param method {@code gptq} or {@code awq}
   * @param bits bits per weight
   * @param groupSize inputs per group, -1 for one group
   * @param actOrder GPTQ desc_act
   * @param symmetric symmetric zero point
   * @param zeroFormat how zero points are stored
   * @param dynamic GPTQModel's per-module settings, in the order they apply, as {@code "pattern:
   *     8-bit"}, {@code "pattern: group size 32"} or {@code "pattern: not quantized"}
   */
  public record Quantization(
      String method,
      int bits,
      int groupSize,
      boolean actOrder,
      boolean symmetric,
      String zeroFormat,
      List<String> dynamic) {
    public Quantization {
      dynamic = List.copyOf(dynamic);
    }
  }

  /**
   * @param file file name within the model directory
   * @param bytes file size
   * @param tensors number of tensors
   */
  public record Shard(String file, long bytes, int tensors) {}

  /**
   * @param device {@code cuda} (weights as stored, bf16 KV cache) or {@code cpu} (the reference
   *     backend holds every value as f32)
   * @param kvCacheDtype dtype of the KV cache estimate
   * @param weightsBytes bytes of all tensors on the device; for a quantized model, what its weights
   *     take there (packed codes, scales and zeros; the other tensors as the device holds them)
   * @param kvCacheTokens tokens the KV cache estimate is for
   * @param kvCacheBytesPerToken K and V over all layers for one token
   * @param kvCacheBytes {@code kvCacheTokens * kvCacheBytesPerToken}
   * @param matmulScratchBytes for a quantized model on a GPU, the most scratch its matmul takes for
   *     that many tokens (the act-order gather of x, the dequantized slice from 64 rows); null
   *     otherwise
   * @param totalBytes weights plus KV cache plus that scratch
   * @param bf16TwinWeightsBytes for a quantized model, what the same weights take in bf16; null
   *     otherwise
   */
  public record Memory(
      String device,
      String kvCacheDtype,
      long weightsBytes,
      long kvCacheTokens,
      long kvCacheBytesPerToken,
      long kvCacheBytes,
      Long matmulScratchBytes,
      long totalBytes,
      Long bf16TwinWeightsBytes) {}
}
