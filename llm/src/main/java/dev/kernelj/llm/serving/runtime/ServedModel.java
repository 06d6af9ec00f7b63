package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.tokenizer.Tokenizer;
import java.util.Set;

/**
 * What the engine needs to know of the model it serves to judge and finish requests.
 *
 * @param vocabSize token ids are below this
 * @param eosIds ids that end a request unless it ignores EOS
 * @param tokenizer turns output into text; null when the model directory has none
 * @param maxModelLen longest prompt + output of one request
 * @param numBlocks blocks of the KV pool
 * @param blockSize tokens per block
 * @param deviceName the backend, for logs and reports
 */
record ServedModel(
    int vocabSize,
    Set<Integer> eosIds,
    Tokenizer tokenizer,
    int maxModelLen,
    int numBlocks,
    int blockSize,
    String deviceName) {
  ServedModel {
    eosIds = Set.copyOf(eosIds);
  }
}
