package dev.kernelj.llm.config;

import java.util.List;

/**
 * Sampling defaults and special token ids from {@code generation_config.json}. When the file is
 * absent, or a key is missing, Hugging Face's defaults apply (and token ids fall back to {@code
 * config.json}'s).
 *
 * @param bosTokenId beginning-of-sequence id, or -1 when unknown
 * @param eosTokenIds ids that end generation (may be several, e.g. Llama 3 Instruct's 128001,
 *     128008, 128009); empty when unknown
 * @param padTokenId padding id, or -1
 * @param doSample whether to sample (false: greedy)
 * @param temperature softmax temperature
 * @param topP nucleus sampling mass
 * @param topK top-k cutoff (0: off)
 * @param repetitionPenalty 1.0: off
 * @param maxNewTokens default generation length, or -1 when unset
 */
public record GenerationConfig(
    int bosTokenId,
    List<Integer> eosTokenIds,
    int padTokenId,
    boolean doSample,
    double temperature,
    double topP,
    int topK,
    double repetitionPenalty,
    int maxNewTokens) {
  public GenerationConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Hugging Face's defaults with the given token ids. */
  public static GenerationConfig defaults(int bosTokenId, List<Integer> eosTokenIds) {
    return new GenerationConfig(bosTokenId, eosTokenIds, -1, false, 1.0, 1.0, 50, 1.0, -1);
  }
}
