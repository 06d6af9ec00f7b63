package dev.kernelj.llm.serving;

/**
 * The log-probability of a chosen token and its most likely alternatives (after temperature and
 * penalties are not applied: the model's raw log-softmax, as OpenAI and vLLM report it).
 *
 * @param tokenId the chosen token
 * @param logprob its log-probability
 * @param topIds the most likely tokens, best first (as many as the request asked for)
 * @param topLogprobs their log-probabilities
 */
public record TokenLogprob(int tokenId, float logprob, int[] topIds, float[] topLogprobs) {}
