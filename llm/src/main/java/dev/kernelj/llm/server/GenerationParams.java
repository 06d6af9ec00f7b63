package dev.kernelj.llm.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.ServeRequest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sampling and stopping fields that chat and text completions share, checked: OpenAI's ({@code
 * temperature}, {@code top_p}, {@code n}, {@code seed}, {@code stop}, {@code max_tokens}, the
 * penalties, {@code stream}) and vLLM's extras ({@code top_k}, {@code min_p}, {@code
 * repetition_penalty}, {@code ignore_eos}, {@code stop_token_ids}). Fields a request leaves out
 * take the model's defaults.
 *
 * @param sampling the draw (its seed is replaced per choice)
 * @param seed the request's seed, or null for a random one per choice
 * @param n choices per prompt
 * @param maxTokens tokens to generate per choice, or null for the endpoint's default
 * @param stop stop strings
 * @param stopTokenIds stop token ids
 * @param ignoreEos whether to generate past EOS
 * @param stream whether to answer with server-sent events
 * @param includeUsage whether a stream ends with a usage chunk
 */
record GenerationParams(
    SamplingSettings sampling,
    Long seed,
    int n,
    Integer maxTokens,
    List<String> stop,
    Set<Integer> stopTokenIds,
    boolean ignoreEos,
    boolean stream,
    boolean includeUsage) {
  static final int MAX_N = 128;

  /** Reads and checks the shared fields of {@code f}. */
  static GenerationParams parse(RequestFields f, ServedModel model) {
    rejectUnsupported(f);
    SamplingSettings s = model.defaults();
    Double temperature = f.number("temperature");
    if (temperature != null) {
      require(temperature >= 0, f, "temperature", "must be >= 0", temperature);
      s = s.withTemperature(temperature);
    }
    Double topP = f.number("top_p");
    if (topP != null) {
      require(topP >= 0 && topP <= 1, f, "top_p", "must be in [0, 1]", topP);
      s = topP == 0 ? s : s.withTopP(topP);
    }
    Integer topK = f.integer("top_k");
    if (topK != null) {
      require(topK >= -1, f, "top_k", "must be -1 or 0 (all tokens) or >= 1", topK);
      s = s.withTopK(Math.max(0, topK));
    }
    if (topP != null && topP == 0) {
      s = s.withTopK(1); // OpenAI takes 0: the smallest nucleus, the most likely token alone
    }
    Double minP = f.number("min_p");
    if (minP != null) {
      require(minP >= 0 && minP < 1, f, "min_p", "must be in [0, 1)", minP);
      s = s.withMinP(minP);
    }
    Double repetition = f.number("repetition_penalty");
    if (repetition != null) {
      require(repetition > 0, f, "repetition_penalty", "must be > 0", repetition);
      s = s.withRepetitionPenalty(repetition);
    }
    Double presence = f.number("presence_penalty");
    if (presence != null) {
      require(
          presence >= -2 && presence <= 2, f, "presence_penalty", "must be in [-2, 2]", presence);
      s = s.withPresencePenalty(presence);
    }
    Double frequency = f.number("frequency_penalty");
    if (frequency != null) {
      require(
          frequency >= -2 && frequency <= 2,
          f,
          "frequency_penalty",
          "must be in [-2, 2]",
          frequency);
      s = s.withFrequencyPenalty(frequency);
    }
    Integer n = f.integer("n");
    if (n != null) {
      require(n >= 1 && n <= MAX_N, f, "n", "must be in [1, " + MAX_N + "]", n);
    }
    Integer maxTokens = maxTokens(f);
    List<String> stop = f.stringOrStrings("stop");
    for (String s1 : stop) {
      if (s1.isEmpty()) {
        throw ApiException.badRequest("stop", "stop strings must not be empty");
      }
    }
    if (!stop.isEmpty() && model.tokenizer() == null) {
      throw ApiException.badRequest("stop", "stop strings need a tokenizer; the model has none");
    }
    Set<Integer> stopIds = new LinkedHashSet<>(f.integers("stop_token_ids"));
    for (int id : stopIds) {
      require(
          id >= 0 && id < model.vocabSize(),
          f,
          "stop_token_ids",
          "must hold ids in [0, " + model.vocabSize() + ")",
          id);
    }
    boolean stream = f.bool("stream", false);
    RequestFields options = f.object("stream_options");
    if (options != null && !stream) {
      throw ApiException.badRequest(
          "stream_options", "stream_options is only allowed when stream is true");
    }
    boolean includeUsage = options != null && options.bool("include_usage", false);
    return new GenerationParams(
        s,
        f.int64("seed"),
        n == null ? 1 : n,
        maxTokens,
        stop,
        stopIds,
        f.bool("ignore_eos", false),
        stream,
        includeUsage);
  }

  /** These settings with usage at the end of a stream (the Responses API always reports it). */
  GenerationParams withUsageInStream() {
    return new GenerationParams(
        sampling, seed, n, maxTokens, stop, stopTokenIds, ignoreEos, stream, stream);
  }

  /** The field that carried the completion's length: the newer name when the request used it. */
  static String maxTokensField(RequestFields f) {
    return f.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  }

  private static Integer maxTokens(RequestFields f) {
    String field = maxTokensField(f);
    Integer max = f.integer(field);
    if (max != null) {
      require(max >= 1, f, field, "must be >= 1", max);
    }
    return max;
  }

  /** Fields OpenAI defines that this server cannot honour: an error rather than silence. */
  private static void rejectUnsupported(RequestFields f) {
    JsonNode bias = f.value("logit_bias");
    if (bias != null && !(bias.isObject() && bias.isEmpty())) {
      throw ApiException.badRequest("logit_bias", "logit_bias is not supported");
    }
    RequestFields format = f.object("response_format");
    if (format != null && !"text".equals(format.string("type"))) {
      throw ApiException.badRequest(
          "response_format", "only response_format {\"type\": \"text\"} is supported");
    }
    if (f.has("suffix")) {
      throw ApiException.badRequest("suffix", "suffix is not supported");
    }
    Integer bestOf = f.integer("best_of");
    Integer n = f.integer("n");
    if (bestOf != null && bestOf != (n == null ? 1 : n)) {
      throw ApiException.badRequest("best_of", "best_of is not supported (other than equal to n)");
    }
  }

  static void require(boolean ok, RequestFields f, String field, String rule, Object value) {
    if (!ok) {
      throw ApiException.badRequest(f.name(field), f.name(field) + " " + rule + ", got " + value);
    }
  }

  /** The seed of choice {@code choice}: the request's plus the choice index, else random. */
  long seedOf(int choice) {
    return seed != null ? seed + choice : ThreadLocalRandom.current().nextLong();
  }

  /** The engine request of one choice. */
  ServeRequest request(int[] prompt, int maxTokens, int choice, int logprobs, int promptLogprobs) {
    return new ServeRequest(
        null,
        prompt,
        sampling.withSeed(seedOf(choice)),
        maxTokens,
        stop,
        stopTokenIds,
        ignoreEos,
        logprobs,
        promptLogprobs);
  }
}
