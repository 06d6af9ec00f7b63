package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.kernelj.llm.serving.TokenLogprob;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Logprobs in the two shapes OpenAI uses: chat's {@code {"content": [{"token", "logprob", "bytes",
 * "top_logprobs"}]}} and the completions API's {@code {"tokens", "token_logprobs", "top_logprobs",
 * "text_offset"}}. A token's text is its own decoding (special tokens kept), and its bytes are
 * {@link Tokenizer#tokenBytes} (raw for a token that holds part of a character, as OpenAI's are);
 * {@code -inf} is written as -9999, as vLLM does, since JSON has no infinity.
 */
final class LogprobsJson {
  private static final float FLOOR = -9999f;

  private final Tokenizer tokenizer;

  LogprobsJson(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** The text of one token ({@code token_id:N} without a tokenizer). */
  String text(int id) {
    return tokenizer == null ? "token_id:" + id : tokenizer.decode(new int[] {id}, false);
  }

  /** Chat's logprobs object for {@code logprobs} (one entry per generated token). */
  void writeChat(JsonGenerator g, List<TokenLogprob> logprobs) throws IOException {
    g.writeStartObject();
    g.writeArrayFieldStart("content");
    for (TokenLogprob lp : logprobs) {
      g.writeStartObject();
      writeToken(g, lp.tokenId(), lp.logprob());
      g.writeArrayFieldStart("top_logprobs");
      for (int j = 0; j < lp.topIds().length; j++) {
        g.writeStartObject();
        writeToken(g, lp.topIds()[j], lp.topLogprobs()[j]);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeNullField("refusal"); // OpenAI's schema has both; this server never refuses
    g.writeEndObject();
  }

  private void writeToken(JsonGenerator g, int id, float logprob) throws IOException {
    String text = text(id);
    g.writeStringField("token", text);
    g.writeNumberField("logprob", finite(logprob));
    g.writeArrayFieldStart("bytes");
    byte[] bytes =
        tokenizer == null ? text.getBytes(StandardCharsets.UTF_8) : tokenizer.tokenBytes(id);
    for (byte b : bytes) {
      g.writeNumber(b & 0xff);
    }
    g.writeEndArray();
  }

  /**
   * The completions API's logprobs object for a run of tokens.
   *
   * @param ids the tokens, in order
   * @param logprobs their logprobs, null for a token that has none (the first prompt token)
   * @param textOffset where the first token's text starts in the choice's text
   * @return the text offset after the last token
   */
  int writeCompletion(JsonGenerator g, int[] ids, List<TokenLogprob> logprobs, int textOffset)
      throws IOException {
    String[] texts = new String[ids.length];
    for (int i = 0; i < ids.length; i++) {
      texts[i] = text(ids[i]);
    }
    g.writeStartObject();
    g.writeArrayFieldStart("tokens");
    for (String t : texts) {
      g.writeString(t);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("token_logprobs");
    for (TokenLogprob lp : logprobs) {
      if (lp == null) {
        g.writeNull();
      } else {
        g.writeNumber(finite(lp.logprob()));
      }
    }
    g.writeEndArray();
    g.writeArrayFieldStart("top_logprobs");
    for (TokenLogprob lp : logprobs) {
      if (lp == null) {
        g.writeNull();
        continue;
      }
      // Keyed by text, as OpenAI's object is: two tokens that decode alike (byte tokens of a
      // partial character, both U+FFFD) keep the first, the likelier, and JSON keys stay unique.
      g.writeStartObject();
      java.util.Set<String> keys = new java.util.HashSet<>();
      for (int j = 0; j < lp.topIds().length; j++) {
        String key = text(lp.topIds()[j]);
        if (keys.add(key)) {
          g.writeNumberField(key, finite(lp.topLogprobs()[j]));
        }
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("text_offset");
    int offset = textOffset;
    for (String t : texts) {
      g.writeNumber(offset);
      offset += t.codePointCount(0, t.length()); // characters as Python's len counts them
    }
    g.writeEndArray();
    g.writeEndObject();
    return offset;
  }

  private static float finite(float logprob) {
    return Float.isFinite(logprob) ? logprob : FLOOR;
  }
}
