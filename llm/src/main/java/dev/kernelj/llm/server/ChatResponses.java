package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.kernelj.llm.chat.ReasoningSplitter;
import dev.kernelj.llm.chat.tools.ToolCall;
import dev.kernelj.llm.chat.tools.ToolCallParser;
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
 *
 * <p>When the request offers tools, each choice's text goes through a {@link ToolCallParser}: text
 * that may be a call is held back from the stream, and the calls go out in the choice's last chunk
 * (finish reason {@code tool_calls}), or the held text as content when it was no call after all.
 */
final class ChatResponses implements ChoiceFormat {
  /** The finish reason of a reply that calls tools. */
  private static final String TOOL_CALLS = "tool_calls";

  private final ResponseHeader whole;
  private final ResponseHeader chunk;
  private final int choices;
  private final LogprobsJson logprobs;
  private final boolean withLogprobs;
  private final boolean usageInChunks;

  /** Which choices' role chunks went out (written by the one thread that pumps this stream). */
  private final boolean[] opened;

  /** The request's tools, or null. */
  private final ToolRequest tools;

  /** Each streamed choice's reader of calls (null entries without tools). */
  private final ToolCallParser[] parsers;

  /** Each choice's reasoning splitter, when the server splits reasoning out (else null). */
  private ReasoningSplitter[] thinkers;

  /** Whether the prompt leaves the model inside {@code <think>}. */
  private boolean promptOpensThinking;

  ChatResponses(
      String model,
      int choices,
      LogprobsJson logprobs,
      boolean withLogprobs,
      boolean usageInChunks,
      ToolRequest tools) {
    this.whole = ResponseHeader.now("chatcmpl-", "chat.completion", model);
    this.chunk = whole.as("chat.completion.chunk");
    this.choices = choices;
    this.logprobs = logprobs;
    this.withLogprobs = withLogprobs;
    this.usageInChunks = usageInChunks;
    this.opened = new boolean[choices];
    this.tools = tools;
    this.parsers = new ToolCallParser[choices];
    for (int i = 0; tools != null && i < choices; i++) {
      parsers[i] = tools.parser();
    }
  }

  /**
   * Splits each choice's reasoning ({@code <think>...</think>}) out of its content into {@code
   * reasoning_content}, as vLLM's reasoning parsers and DeepSeek's API give it; before the first
   * delta.
   *
   * @param promptOpensThinking whether the rendered prompt ends inside {@code <think>}
   */
  ChatResponses splittingReasoning(boolean promptOpensThinking) {
    this.promptOpensThinking = promptOpensThinking;
    this.thinkers = new ReasoningSplitter[choices];
    for (int i = 0; i < choices; i++) {
      thinkers[i] = new ReasoningSplitter(promptOpensThinking);
    }
    return this;
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
            String text = c.text();
            String reasoning = null;
            if (thinkers != null) {
              ReasoningSplitter splitter = new ReasoningSplitter(promptOpensThinking);
              ReasoningSplitter.Parts first = splitter.accept(text);
              ReasoningSplitter.Parts rest = splitter.finish();
              reasoning = first.reasoning() + rest.reasoning();
              text = first.content() + rest.content();
            }
            ToolCallParser.Result reply =
                tools == null
                    ? new ToolCallParser.Result(text, List.of())
                    : ToolCallParser.parse(tools.format(), tools.names(), tools.parallel(), text);
            boolean calls = !reply.calls().isEmpty();
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            Json.stringOrNull(
                g, "content", calls && reply.content().isEmpty() ? null : reply.content());
            g.writeNullField("refusal");
            if (thinkers != null) {
              Json.stringOrNull(g, "reasoning_content", reasoning.isEmpty() ? null : reasoning);
            }
            if (calls) {
              writeToolCalls(g, reply.calls(), false);
            }
            g.writeEndObject();
            writeLogprobs(g, withLogprobs ? c.logprobs() : null);
            g.writeStringField(
                "finish_reason", calls ? TOOL_CALLS : finishReason(c.finishReason()));
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeFieldName("usage");
          usage.write(g);
          g.writeEndObject();
        });
  }

  /**
   * Nothing: each choice's role chunk goes out with its first token ({@link #writeDeltaChunks}).
   */
  @Override
  public List<byte[]> openingChunks() {
    return List.of();
  }

  /**
   * The chunks of one delta. A choice's first chunk carries the assistant role (and content, ""
   * when the delta has no text), as OpenAI's first chunk does; before it, every lower choice not
   * yet opened gets its role chunk, so that choices open in index order (openai-python's stream
   * helper indexes its snapshot by choice and fails on a gap). The finish reason goes in a chunk of
   * its own after a last chunk with text or calls, as OpenAI sends it: the Go and Python SDKs
   * report a choice's content and calls as done when a later chunk comes.
   */
  @Override
  public void writeDeltaChunks(int index, Delta d, Chunks out) throws IOException {
    String text = d.text();
    String thinking = "";
    if (thinkers != null) {
      ReasoningSplitter.Parts parts = thinkers[index].accept(text);
      thinking = parts.reasoning();
      text = parts.content();
      if (d.finishReason() != null) {
        ReasoningSplitter.Parts rest = thinkers[index].finish();
        thinking += rest.reasoning();
        text += rest.content();
      }
    }
    List<ToolCall> calls = List.of();
    ToolCallParser parser = parsers[index];
    if (parser != null) {
      text = parser.accept(text);
      if (d.finishReason() != null) {
        ToolCallParser.Result end = parser.finish();
        text += end.content();
        calls = end.calls();
      }
    }
    boolean hasText = !text.isEmpty();
    boolean hasThinking = !thinking.isEmpty();
    boolean hasLogprobs = withLogprobs && !d.logprobs().isEmpty();
    boolean finishing = d.finishReason() != null;
    if (!hasText && !hasThinking && !hasLogprobs && !finishing) {
      return;
    }
    String reasoning = thinking;
    for (int j = 0; j < index && !opened[index]; j++) {
      if (!opened[j]) {
        opened[j] = true;
        writeChunk(out.next(), j, ChatResponses::openingDelta, null, null);
      }
    }
    String content = text;
    List<ToolCall> toolCalls = calls;
    boolean first = !opened[index];
    opened[index] = true;
    String finish =
        !finishing ? null : toolCalls.isEmpty() ? finishReason(d.finishReason()) : TOOL_CALLS;
    boolean finishApart = finishing && (hasText || hasThinking || !toolCalls.isEmpty());
    writeChunk(
        out.next(),
        index,
        delta -> {
          if (first) {
            delta.writeStringField("role", "assistant");
          }
          if (hasThinking) {
            delta.writeStringField("reasoning_content", reasoning);
          }
          if (hasText || first && !hasThinking) {
            delta.writeStringField("content", content);
          }
          if (!toolCalls.isEmpty()) {
            writeToolCalls(delta, toolCalls, true);
          }
        },
        hasLogprobs ? d.logprobs() : null,
        finishApart ? null : finish);
    if (finishApart) {
      writeChunk(out.next(), index, delta -> {}, null, finish);
    }
  }

  private static void openingDelta(JsonGenerator delta) throws IOException {
    delta.writeStringField("role", "assistant");
    delta.writeStringField("content", "");
  }

  /**
   * A message's {@code tool_calls}; in a stream each call also carries its {@code index}, by which
   * clients put the pieces of a call together (here every call comes whole, in one chunk).
   */
  private static void writeToolCalls(JsonGenerator g, List<ToolCall> calls, boolean indexed)
      throws IOException {
    g.writeArrayFieldStart("tool_calls");
    for (int k = 0; k < calls.size(); k++) {
      ToolCall call = calls.get(k);
      g.writeStartObject();
      if (indexed) {
        g.writeNumberField("index", k);
      }
      g.writeStringField("id", call.id());
      g.writeStringField("type", "function");
      g.writeObjectFieldStart("function");
      g.writeStringField("name", call.name());
      g.writeStringField("arguments", call.arguments());
      g.writeEndObject();
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  @Override
  public byte[] usageChunk(Usage usage) {
    return Usage.chunk(chunk, usage);
  }

  private void writeChunk(
      JsonGenerator g,
      int index,
      Json.Writer delta,
      List<TokenLogprob> chunkLogprobs,
      String finish)
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
    Json.stringOrNull(g, "finish_reason", finish);
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
