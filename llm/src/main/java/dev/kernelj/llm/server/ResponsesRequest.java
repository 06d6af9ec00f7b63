package dev.kernelj.llm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * A request of OpenAI's Responses API ({@code POST /v1/responses}) as the chat request it amounts
 * to, so that the chat path checks, renders and runs it: {@code instructions} become the system
 * message, {@code input} (a string, or messages, {@code function_call} and {@code
 * function_call_output} items) the messages, {@code max_output_tokens} the completion's length,
 * function tools the chat tools. Errors in the input name the Responses field. What needs state
 * this server does not keep ({@code previous_response_id}, conversations, background runs) or a
 * kind of tool it does not have is a 400.
 */
final class ResponsesRequest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Fields the chat request takes as they are. */
  private static final List<String> SHARED =
      List.of(
          "model",
          "temperature",
          "top_p",
          "stream",
          "seed",
          "user",
          "parallel_tool_calls",
          "top_k",
          "min_p",
          "repetition_penalty",
          "chat_template_kwargs");

  private static final Set<String> TEXT_PARTS = Set.of("input_text", "output_text", "text");

  private ResponsesRequest() {}

  /** The chat request of a Responses request body. */
  static ObjectNode toChat(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest(null, "the request body must be a JSON object");
    }
    refuseStateful(body);
    ObjectNode chat = NODES.objectNode();
    for (String field : SHARED) {
      if (body.has(field)) chat.set(field, body.get(field));
    }
    if (has(body, "max_output_tokens")) {
      JsonNode max = body.get("max_output_tokens");
      if (!max.canConvertToExactIntegral()
          || max.asLong() < 1
          || max.asLong() > Integer.MAX_VALUE) {
        throw ApiException.badRequest(
            "max_output_tokens", "max_output_tokens must be a positive integer but is " + max);
      }
      chat.set("max_completion_tokens", max);
    }
    ArrayNode messages = chat.putArray("messages");
    JsonNode instructions = body.get("instructions");
    if (instructions != null && !instructions.isNull()) {
      if (!instructions.isTextual()) {
        throw ApiException.badRequest("instructions", "instructions must be a string");
      }
      messages.addObject().put("role", "system").put("content", instructions.textValue());
    }
    input(body.get("input"), messages);
    tools(body, chat);
    text(body.get("text"));
    return chat;
  }

  private static boolean has(JsonNode body, String field) {
    return body.has(field) && !body.get(field).isNull();
  }

  private static void refuseStateful(JsonNode body) {
    if (has(body, "previous_response_id")) {
      throw ApiException.badRequest(
          "previous_response_id",
          "previous_response_id is not supported: this server keeps no responses; send the whole"
              + " conversation as input");
    }
    if (has(body, "conversation")) {
      throw ApiException.badRequest(
          "conversation", "conversation is not supported: this server keeps no conversations");
    }
    if (body.path("background").asBoolean(false)) {
      throw ApiException.badRequest("background", "background responses are not supported");
    }
    if (has(body, "prompt")) {
      throw ApiException.badRequest("prompt", "stored prompts are not supported");
    }
  }

  /** {@code input}: a string (one user message) or a list of items. */
  private static void input(JsonNode input, ArrayNode messages) {
    if (input == null || input.isNull()) {
      throw ApiException.badRequest("input", "input is missing");
    }
    if (input.isTextual()) {
      messages.addObject().put("role", "user").put("content", input.textValue());
      return;
    }
    if (!input.isArray() || input.isEmpty()) {
      throw ApiException.badRequest("input", "input must be a string or a non-empty list of items");
    }
    // The assistant message that function calls go to: the one just before them, or a new one.
    ObjectNode calls = null;
    for (int i = 0; i < input.size(); i++) {
      String at = "input[" + i + "]";
      JsonNode item = input.get(i);
      if (!item.isObject()) {
        throw ApiException.badRequest(at, at + " must be an object");
      }
      String type = item.path("type").asText(item.has("role") ? "message" : "");
      switch (type) {
        case "message" -> {
          ObjectNode message = message(item, at);
          messages.add(message);
          calls = message.path("role").asText().equals("assistant") ? message : null;
        }
        case "function_call" -> {
          if (calls == null) {
            calls = messages.addObject().put("role", "assistant").put("content", "");
          }
          if (!calls.has("tool_calls")) {
            calls.putArray("tool_calls");
          }
          ObjectNode call = ((ArrayNode) calls.get("tool_calls")).addObject();
          call.put("id", text(item, "call_id", at));
          call.put("type", "function");
          call.putObject("function")
              .put("name", text(item, "name", at))
              .put("arguments", text(item, "arguments", at));
        }
        case "function_call_output" -> {
          calls = null;
          JsonNode output = item.get("output");
          messages
              .addObject()
              .put("role", "tool")
              .put("tool_call_id", text(item, "call_id", at))
              .put(
                  "content",
                  output != null && output.isTextual()
                      ? output.textValue()
                      : content(output, at + ".output"));
        }
        case "reasoning" -> {} // a model's earlier reasoning: not part of the prompt
        default ->
            throw ApiException.badRequest(
                at + ".type",
                at
                    + ".type must be message, function_call, function_call_output or reasoning"
                    + (type.isEmpty() ? "" : ", not " + type));
      }
    }
  }

  private static ObjectNode message(JsonNode item, String at) {
    JsonNode role = item.get("role");
    if (role == null || !role.isTextual()) {
      throw ApiException.badRequest(at + ".role", at + ".role must be a string");
    }
    ObjectNode message = NODES.objectNode();
    message.put("role", role.textValue());
    message.put("content", content(item.get("content"), at + ".content"));
    return message;
  }

  /** A message's content: a string, or text parts joined by newlines. */
  private static String content(JsonNode content, String at) {
    if (content == null || content.isNull()) {
      throw ApiException.badRequest(at, at + " is missing");
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    if (!content.isArray()) {
      throw ApiException.badRequest(at, at + " must be a string or a list of text parts");
    }
    StringBuilder text = new StringBuilder();
    for (int p = 0; p < content.size(); p++) {
      JsonNode part = content.get(p);
      String partAt = at + "[" + p + "]";
      if (!TEXT_PARTS.contains(part.path("type").asText()) || !part.path("text").isTextual()) {
        throw ApiException.badRequest(
            partAt,
            partAt + " must be {\"type\": \"input_text\", \"text\": ...}; only text is supported");
      }
      if (p > 0) text.append('\n');
      text.append(part.get("text").textValue());
    }
    return text.toString();
  }

  private static String text(JsonNode item, String field, String at) {
    JsonNode v = item.get(field);
    if (v == null || !v.isTextual()) {
      throw ApiException.badRequest(at + "." + field, at + "." + field + " must be a string");
    }
    return v.textValue();
  }

  /** Function tools, flat in the Responses API, nested under "function" in chat's. */
  private static void tools(JsonNode body, ObjectNode chat) {
    JsonNode tools = body.get("tools");
    if (tools != null && !tools.isNull()) {
      if (!tools.isArray()) {
        throw ApiException.badRequest("tools", "tools must be a list of tools");
      }
      ArrayNode out = chat.putArray("tools");
      for (int i = 0; i < tools.size(); i++) {
        JsonNode tool = tools.get(i);
        String at = "tools[" + i + "]";
        if (!"function".equals(tool.path("type").asText())) {
          throw ApiException.badRequest(
              at + ".type", at + ".type must be \"function\": this server has no built-in tools");
        }
        ObjectNode function = out.addObject().put("type", "function").putObject("function");
        for (String field : List.of("name", "description", "parameters")) {
          if (tool.has(field)) function.set(field, tool.get(field));
        }
      }
    }
    JsonNode choice = body.get("tool_choice");
    if (choice != null && !choice.isNull()) {
      // {"type": "function", "name": ...} in the Responses API; chat nests the name.
      chat.set(
          "tool_choice",
          choice.isObject() && choice.has("name")
              ? NODES
                  .objectNode()
                  .put("type", "function")
                  .set("function", NODES.objectNode().set("name", choice.get("name")))
              : choice);
    }
  }

  /** {@code text.format}: plain text only (JSON output needs constrained decoding). */
  private static void text(JsonNode text) {
    if (text == null || text.isNull()) return;
    JsonNode format = text.path("format");
    if (!format.isMissingNode()
        && !format.isNull()
        && !"text".equals(format.path("type").asText())) {
      throw ApiException.badRequest(
          "text.format", "only text.format {\"type\": \"text\"} is supported");
    }
  }
}
