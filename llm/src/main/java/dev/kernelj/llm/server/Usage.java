package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.kernelj.llm.serving.Completion;
import java.io.IOException;
import java.util.List;

/**
 * Token counts of a response: every prompt once, every choice's generated tokens.
 *
 * @param promptTokens tokens of the prompts
 * @param completionTokens tokens generated, over all choices
 * @param cachedTokens prompt tokens whose KV came from the prefix cache
 */
record Usage(int promptTokens, int completionTokens, int cachedTokens) {
  /** The usage of {@code choices}, with {@code n} choices per prompt. */
  static Usage of(List<Completion> choices, int n) {
    int prompt = 0;
    int completion = 0;
    int cached = 0;
    for (int i = 0; i < choices.size(); i++) {
      Completion c = choices.get(i);
      if (i % n == 0) {
        prompt += c.promptTokens();
        cached += c.cachedPromptTokens();
      }
      completion += c.tokenIds().length;
    }
    return new Usage(prompt, completion, cached);
  }

  /** The last chunk of a stream that asked for usage: no choices, the usage. */
  static byte[] chunk(ResponseHeader header, Usage usage) {
    return Json.bytes(
        g -> {
          g.writeStartObject();
          header.write(g);
          g.writeArrayFieldStart("choices");
          g.writeEndArray();
          g.writeFieldName("usage");
          usage.write(g);
          g.writeEndObject();
        });
  }

  void write(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeNumberField("prompt_tokens", promptTokens);
    g.writeNumberField("completion_tokens", completionTokens);
    g.writeNumberField("total_tokens", promptTokens + completionTokens);
    g.writeObjectFieldStart("prompt_tokens_details");
    g.writeNumberField("cached_tokens", cachedTokens);
    g.writeEndObject();
    g.writeEndObject();
  }
}
