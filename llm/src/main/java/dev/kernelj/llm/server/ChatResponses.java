package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.TokenLogprob;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The JSON of one chat completion: the whole {@code chat.completion} object, or the {@code
 * chat.completion.chunk}s of its stream (a role chunk per choice, content chunks, a finish chunk
 * per choice, then the usage chunk when asked for), as OpenAI writes them.
 *
 * <p>A choice's role goes out in the chunk of its first token, not when the stream opens: clients
 * such as vLLM's benchmark take the first chunk that has choices as the first token, and a role
 * sent before the request was even scheduled made the queue and the prefill look like the first
 * inter-token gap. vLLM's server sends it with the first engine output likewise.
 */
final class ChatResponses implements ChoiceFormat {
  private final ResponseHeader whole;
  private final ResponseHeader chunk;
  private final int choices;
  private final LogprobsJson logprobs;
  private final boolean withLogprobs;
  private final boolean usageInChunks;

  /** Which choices' role chunks went out (written by the one thread that pumps this stream). */
  private final boolean[] opened;

  ChatResponses(
      String model,
      int choices,
      LogprobsJson logprobs,
      boolean withLogprobs,
      boolean usageInChunks) {
    this.whole = ResponseHeader.now("chatcmpl-", "chat.completion", model);
    this.chunk = whole.as("chat.completion.chunk");
    this.choices = choices;
    this.logprobs = logprobs;
    this.withLogprobs = withLogprobs;
    this.usageInChunks = usageInChunks;
    this.opened = new boolean[choices];
  }

  @Override
  public byte[] whole(List<Completion> done, Usage usage) {
    return Json.bytes(
        g -> {
          g.writeStartObject();
          whole.write(g);
          g.writeArrayFieldStart("choices");
          for (int i = 0; i < done.size(); i++) {
            Completion c = done.get(i);
            g.writeStartObject();
            g.writeNumberField("index", i);
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            g.writeStringField("content", c.text());
            g.writeNullField("refusal");
            g.writeEndObject();
            writeLogprobs(g, withLogprobs ? c.logprobs() : null);
            g.writeStringField("finish_reason", finishReason(c.finishReason()));
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeFieldName("usage");
          usage.write(g);
          g.writeEndObject();
        });
  }

  /** Nothing: each choice's role chunk goes out with its first token ({@link #writeDeltaChunk}). */
  @Override
  public List<byte[]> openingChunks() {
    return List.of();
  }

  /**
   * The chunk of one delta. A choice's first one also carries the assistant role (and content, ""
   * when the delta has no text), as OpenAI's first chunk does.
   */
  @Override
  public boolean writeDeltaChunk(int index, Delta d, JsonGenerator g) throws IOException {
    boolean hasText = !d.text().isEmpty();
    boolean hasLogprobs = withLogprobs && !d.logprobs().isEmpty();
    if (!hasText && !hasLogprobs && d.finishReason() == null) {
      return false;
    }
    boolean first = !opened[index];
    opened[index] = true;
    writeChunk(
        g,
        index,
        delta -> {
          if (first) {
            delta.writeStringField("role", "assistant");
          }
          if (hasText || first) {
            delta.writeStringField("content", d.text());
          }
        },
        hasLogprobs ? d.logprobs() : null,
        d.finishReason());
    return true;
  }

  @Override
  public byte[] usageChunk(Usage usage) {
    return Usage.chunk(chunk, usage);
  }

  private byte[] chunk(
      int index, Json.Writer delta, List<TokenLogprob> chunkLogprobs, FinishReason finish) {
    return Json.bytes(g -> writeChunk(g, index, delta, chunkLogprobs, finish));
  }

  private void writeChunk(
      JsonGenerator g,
      int index,
      Json.Writer delta,
      List<TokenLogprob> chunkLogprobs,
      FinishReason finish)
      throws IOException {
    g.writeStartObject();
    chunk.write(g);
    g.writeArrayFieldStart("choices");
    g.writeStartObject();
    g.writeNumberField("index", index);
    g.writeObjectFieldStart("delta");
    delta.write(g);
    g.writeEndObject();
    writeLogprobs(g, chunkLogprobs);
    Json.stringOrNull(g, "finish_reason", finish == null ? null : finishReason(finish));
    g.writeEndObject();
    g.writeEndArray();
    if (usageInChunks) {
      g.writeNullField("usage");
    }
    g.writeEndObject();
  }

  private void writeLogprobs(JsonGenerator g, List<TokenLogprob> lps) throws IOException {
    if (lps == null) {
      g.writeNullField("logprobs");
    } else {
      g.writeFieldName("logprobs");
      logprobs.writeChat(g, lps);
    }
  }

  /** OpenAI's name of a finish reason. */
  static String finishReason(FinishReason reason) {
    return reason.name().toLowerCase(Locale.ROOT);
  }
}
