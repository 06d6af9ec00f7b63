package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.llm.chat.tools.ToolCall;
import dev.kernelj.llm.chat.tools.ToolCallParser;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The JSON of one response of OpenAI's Responses API: the whole {@code response} object, or its
 * event stream ({@code response.created}, {@code response.in_progress}, the message item's {@code
 * output_item.added}, {@code content_part.added}, {@code output_text.delta}s and their {@code
 * .done}s, a {@code function_call} item per tool call, and {@code response.completed} or {@code
 * response.incomplete} with the whole response and its usage), each event with its {@code
 * sequence_number}. One choice: the API has no {@code n}.
 */
final class ResponsesFormat implements ChoiceFormat {
  /** Writes the request's own values back (the server's generators have no codec of their own). */
  private static final ObjectMapper TREES = new ObjectMapper();

  private final String id = "resp_" + hex(24);
  private final String messageId = "msg_" + hex(24);
  private final long createdAt = System.currentTimeMillis() / 1000;
  private final String model;
  private final JsonNode request;
  private final ToolRequest tools;
  private final ToolCallParser parser;

  // The stream's state, written by the one thread that pumps it.
  private int sequence;
  private boolean messageOpen;
  private final StringBuilder text = new StringBuilder();
  private List<ToolCall> calls = List.of();
  private FinishReason finish;

  /**
   * @param request the Responses request, whose settings the response object repeats
   * @param tools the request's tools, or null
   */
  ResponsesFormat(String model, JsonNode request, ToolRequest tools) {
    this.model = model;
    this.request = request;
    this.tools = tools;
    this.parser = tools == null ? null : tools.parser();
  }

  private static String hex(int length) {
    StringBuilder s = new StringBuilder(length);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < length; i++) s.append(Character.forDigit(random.nextInt(16), 16));
    return s.toString();
  }

  @Override
  public byte[] whole(List<Completion> done, Usage usage) {
    Completion c = done.get(0);
    ToolCallParser.Result reply =
        tools == null
            ? new ToolCallParser.Result(c.text(), List.of())
            : ToolCallParser.parse(tools.format(), tools.names(), tools.parallel(), c.text());
    boolean withMessage = reply.calls().isEmpty() || !reply.content().isEmpty();
    return Json.bytes(
        g ->
            writeResponse(g, reply.content(), reply.calls(), c.finishReason(), usage, withMessage));
  }

  @Override
  public List<byte[]> openingChunks() {
    return List.of(
        event("response.created", g -> responseField(g, "in_progress")),
        event("response.in_progress", g -> responseField(g, "in_progress")));
  }

  private void responseField(JsonGenerator g, String status) throws IOException {
    g.writeFieldName("response");
    writeResponse(g, status, List.of(), List.of(), null, null);
  }

  @Override
  public void writeDeltaChunks(int index, Delta d, Chunks out) throws IOException {
    String delta = parser == null ? d.text() : parser.accept(d.text());
    if (d.finishReason() != null && parser != null) {
      ToolCallParser.Result end = parser.finish();
      delta += end.content();
      calls = end.calls();
    }
    if (!delta.isEmpty()) {
      openMessage(out);
      text.append(delta);
      String piece = delta;
      writeEvent(
          out.next(),
          "response.output_text.delta",
          g -> {
            textPosition(g);
            g.writeStringField("delta", piece);
            g.writeArrayFieldStart("logprobs");
            g.writeEndArray();
          });
    }
    if (d.finishReason() == null) {
      return;
    }
    finish = d.finishReason();
    if (calls.isEmpty() || text.length() > 0) {
      openMessage(out);
      writeEvent(
          out.next(),
          "response.output_text.done",
          g -> {
            textPosition(g);
            g.writeStringField("text", text.toString());
            g.writeArrayFieldStart("logprobs");
            g.writeEndArray();
          });
      writeEvent(
          out.next(),
          "response.content_part.done",
          g -> {
            textPosition(g);
            g.writeFieldName("part");
            outputText(g, text.toString());
          });
      writeEvent(
          out.next(),
          "response.output_item.done",
          g -> {
            g.writeNumberField("output_index", 0);
            g.writeFieldName("item");
            messageItem(g, text.toString(), "completed");
          });
    }
    int first = messageOpen ? 1 : 0;
    for (int k = 0; k < calls.size(); k++) {
      ToolCall call = calls.get(k);
      int outputIndex = first + k;
      writeEvent(
          out.next(),
          "response.output_item.added",
          g -> {
            g.writeNumberField("output_index", outputIndex);
            g.writeFieldName("item");
            callItem(g, call, "", "in_progress");
          });
      writeEvent(
          out.next(),
          "response.function_call_arguments.delta",
          g -> {
            g.writeStringField("item_id", callId(call));
            g.writeNumberField("output_index", outputIndex);
            g.writeStringField("delta", call.arguments());
          });
      writeEvent(
          out.next(),
          "response.function_call_arguments.done",
          g -> {
            g.writeStringField("item_id", callId(call));
            g.writeNumberField("output_index", outputIndex);
            g.writeStringField("name", call.name());
            g.writeStringField("arguments", call.arguments());
          });
      writeEvent(
          out.next(),
          "response.output_item.done",
          g -> {
            g.writeNumberField("output_index", outputIndex);
            g.writeFieldName("item");
            callItem(g, call, call.arguments(), "completed");
          });
    }
  }

  /** The message item's opening events, before its first text. */
  private void openMessage(Chunks out) throws IOException {
    if (messageOpen) return;
    messageOpen = true;
    writeEvent(
        out.next(),
        "response.output_item.added",
        g -> {
          g.writeNumberField("output_index", 0);
          g.writeFieldName("item");
          g.writeStartObject();
          g.writeStringField("id", messageId);
          g.writeStringField("type", "message");
          g.writeStringField("status", "in_progress");
          g.writeStringField("role", "assistant");
          g.writeArrayFieldStart("content");
          g.writeEndArray();
          g.writeEndObject();
        });
    writeEvent(
        out.next(),
        "response.content_part.added",
        g -> {
          textPosition(g);
          g.writeFieldName("part");
          outputText(g, "");
        });
  }

  private void textPosition(JsonGenerator g) throws IOException {
    g.writeStringField("item_id", messageId);
    g.writeNumberField("output_index", 0);
    g.writeNumberField("content_index", 0);
  }

  /** The last event: the whole response with its usage (the stream always reports usage). */
  @Override
  public byte[] usageChunk(Usage usage) {
    boolean incomplete = finish == FinishReason.LENGTH && calls.isEmpty();
    return event(
        incomplete ? "response.incomplete" : "response.completed",
        g -> {
          g.writeFieldName("response");
          writeResponse(g, text.toString(), calls, finish, usage, messageOpen);
        });
  }

  private byte[] event(String type, Json.Writer body) {
    return Json.bytes(g -> writeEvent(g, type, body));
  }

  private void writeEvent(JsonGenerator g, String type, Json.Writer body) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", type);
    g.writeNumberField("sequence_number", sequence++);
    body.write(g);
    g.writeEndObject();
  }

  private void writeResponse(
      JsonGenerator g,
      String content,
      List<ToolCall> toolCalls,
      FinishReason reason,
      Usage usage,
      boolean withMessage)
      throws IOException {
    boolean incomplete = reason == FinishReason.LENGTH && toolCalls.isEmpty();
    writeResponse(
        g,
        incomplete ? "incomplete" : "completed",
        withMessage ? List.of(content) : List.of(),
        toolCalls,
        usage,
        incomplete ? "max_output_tokens" : null);
  }

  /** The response object; {@code messages} holds the message item's text, if it has one. */
  private void writeResponse(
      JsonGenerator g,
      String status,
      List<String> messages,
      List<ToolCall> toolCalls,
      Usage usage,
      String incompleteReason)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    g.writeStringField("object", "response");
    g.writeNumberField("created_at", createdAt);
    g.writeStringField("status", status);
    g.writeNullField("error");
    if (incompleteReason == null) {
      g.writeNullField("incomplete_details");
    } else {
      g.writeObjectFieldStart("incomplete_details");
      g.writeStringField("reason", incompleteReason);
      g.writeEndObject();
    }
    echo(g, "instructions");
    echo(g, "max_output_tokens");
    g.writeStringField("model", model);
    g.writeArrayFieldStart("output");
    for (String message : messages) {
      messageItem(g, message, "completed");
    }
    for (ToolCall call : toolCalls) {
      callItem(g, call, call.arguments(), "completed");
    }
    g.writeEndArray();
    g.writeBooleanField("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
    g.writeNullField("previous_response_id");
    g.writeBooleanField("store", false);
    echo(g, "temperature");
    g.writeObjectFieldStart("text");
    g.writeObjectFieldStart("format");
    g.writeStringField("type", "text");
    g.writeEndObject();
    g.writeEndObject();
    JsonNode choice = request.get("tool_choice");
    if (choice == null || choice.isNull()) {
      g.writeStringField("tool_choice", "auto");
    } else {
      g.writeFieldName("tool_choice");
      TREES.writeTree(g, choice);
    }
    g.writeFieldName("tools");
    JsonNode requestTools = request.get("tools");
    if (requestTools == null || requestTools.isNull()) {
      g.writeStartArray();
      g.writeEndArray();
    } else {
      TREES.writeTree(g, requestTools);
    }
    echo(g, "top_p");
    g.writeStringField("truncation", "disabled");
    if (usage == null) {
      g.writeNullField("usage");
    } else {
      g.writeObjectFieldStart("usage");
      g.writeNumberField("input_tokens", usage.promptTokens());
      g.writeObjectFieldStart("input_tokens_details");
      g.writeNumberField("cached_tokens", usage.cachedTokens());
      g.writeEndObject();
      g.writeNumberField("output_tokens", usage.completionTokens());
      g.writeObjectFieldStart("output_tokens_details");
      g.writeNumberField("reasoning_tokens", 0);
      g.writeEndObject();
      g.writeNumberField("total_tokens", usage.promptTokens() + usage.completionTokens());
      g.writeEndObject();
    }
    echo(g, "user");
    g.writeFieldName("metadata");
    JsonNode metadata = request.get("metadata");
    if (metadata == null || metadata.isNull()) {
      g.writeStartObject();
      g.writeEndObject();
    } else {
      TREES.writeTree(g, metadata);
    }
    g.writeEndObject();
  }

  /** A field of the request, repeated in the response as OpenAI does, or null. */
  private void echo(JsonGenerator g, String field) throws IOException {
    JsonNode v = request.get(field);
    if (v == null || v.isNull()) {
      g.writeNullField(field);
    } else {
      g.writeFieldName(field);
      TREES.writeTree(g, v);
    }
  }

  private void messageItem(JsonGenerator g, String content, String status) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", messageId);
    g.writeStringField("type", "message");
    g.writeStringField("status", status);
    g.writeStringField("role", "assistant");
    g.writeArrayFieldStart("content");
    outputText(g, content);
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void outputText(JsonGenerator g, String content) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", "output_text");
    g.writeStringField("text", content);
    g.writeArrayFieldStart("annotations");
    g.writeEndArray();
    g.writeArrayFieldStart("logprobs");
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void callItem(JsonGenerator g, ToolCall call, String arguments, String status)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("id", callId(call));
    g.writeStringField("type", "function_call");
    g.writeStringField("status", status);
    g.writeStringField("call_id", call.id());
    g.writeStringField("name", call.name());
    g.writeStringField("arguments", arguments);
    g.writeEndObject();
  }

  /** The item id of a call: its own, beside the call_id the model's next turn answers. */
  private static String callId(ToolCall call) {
    return "fc_" + call.id();
  }
}
