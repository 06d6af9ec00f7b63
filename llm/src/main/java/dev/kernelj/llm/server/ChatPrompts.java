package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chat {@code messages} to prompt tokens: each message checked (role, content as a string or a list
 * of text parts, an assistant's {@code tool_calls}, a tool result's {@code tool_call_id}), the
 * conversation rendered with the model's chat template ({@code add_generation_prompt}, on by
 * default; the request's tools as {@code tools}) and encoded, without added special tokens unless
 * the request sets vLLM's {@code add_special_tokens} (the template writes BOS where the model wants
 * it).
 */
final class ChatPrompts {
  private static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A rendered conversation. */
  record Rendered(String text, int[] ids) {}

  private ChatPrompts() {}

  /**
   * @param tools the request's tools, or null when it offers none
   */
  static Rendered render(RequestFields f, ServedModel model, ToolRequest tools) {
    List<Map<String, Object>> messages = messages(f);
    if (model.tokenizer() == null) {
      throw ApiException.badRequest(
          "messages", "chat needs a tokenizer; the model directory has no tokenizer.json");
    }
    if (model.chatTemplate() == null) {
      throw ApiException.badRequest(
          "messages",
          "the model has no chat template (tokenizer_config.json's chat_template); "
              + "use /v1/completions with a prompt instead");
    }
    boolean generationPrompt = f.bool("add_generation_prompt", true);
    Map<String, Object> variables = templateKwargs(f);
    if (tools != null) {
      variables.put("tools", tools.tools());
    }
    String text =
        (tools == null ? model.chatTemplate() : model.tools().template())
            .renderMessages(messages, generationPrompt, variables, Clock.systemDefaultZone());
    int[] ids = model.tokenizer().encode(text, f.bool("add_special_tokens", false));
    return new Rendered(text, ids);
  }

  /** Variables the template must not be given by a request: what the server itself sets. */
  private static final Set<String> RESERVED =
      Set.of(
          "messages",
          "tools",
          "add_generation_prompt",
          "bos_token",
          "eos_token",
          "raise_exception",
          "strftime_now",
          // Jinjava reads these names from the context too: a request must not redefine them.
          "none",
          "None",
          "true",
          "True",
          "false",
          "False",
          "loop",
          "namespace",
          "range");

  /**
   * vLLM's {@code chat_template_kwargs}: extra variables for the chat template, such as Qwen3's
   * {@code enable_thinking: false}, which turns its thinking off.
   */
  private static Map<String, Object> templateKwargs(RequestFields f) {
    Map<String, Object> variables = new LinkedHashMap<>();
    RequestFields kwargs = f.object("chat_template_kwargs");
    if (kwargs == null) {
      return variables;
    }
    JsonNode node = f.value("chat_template_kwargs");
    for (var it = node.fields(); it.hasNext(); ) {
      var e = it.next();
      String name = e.getKey();
      if (RESERVED.contains(name) || name.startsWith("__kernelj")) {
        throw ApiException.badRequest(
            "chat_template_kwargs." + name,
            "chat_template_kwargs." + name + " is set by the server, not by a request");
      }
      variables.put(name, JSON.convertValue(e.getValue(), Object.class));
    }
    return variables;
  }

  /** The messages as the chat template gets them. */
  static List<Map<String, Object>> messages(RequestFields f) {
    JsonNode list = f.value("messages");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw ApiException.badRequest("messages", "messages must be a non-empty list of messages");
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "messages[" + i + "]";
      JsonNode m = list.get(i);
      if (!m.isObject()) {
        throw ApiException.badRequest(at, at + " must be an object");
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual() || !ROLES.contains(role.textValue())) {
        throw ApiException.badRequest(
            at + ".role", at + ".role must be one of system, developer, user, assistant or tool");
      }
      // OpenAI's "developer" is the system role of newer models; templates know "system".
      String r = role.textValue().equals("developer") ? "system" : role.textValue();
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("role", r);
      JsonNode toolCalls = m.get("tool_calls");
      boolean calls = r.equals("assistant") && toolCalls != null && !toolCalls.isNull();
      message.put("content", content(m.get("content"), at, r));
      if (calls) {
        message.put("tool_calls", toolCalls(toolCalls, at + ".tool_calls"));
      }
      optionalString(m, "name", at, message);
      if (r.equals("tool")) {
        optionalString(m, "tool_call_id", at, message);
      }
      out.add(message);
    }
    return out;
  }

  private static void optionalString(
      JsonNode m, String field, String at, Map<String, Object> message) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) return;
    if (!v.isTextual()) {
      throw ApiException.badRequest(at + "." + field, at + "." + field + " must be a string");
    }
    message.put(field, v.textValue());
  }

  /**
   * An assistant turn's calls, with each call's arguments as an object: the JSON text OpenAI sends
   * is parsed, since chat templates write the arguments themselves ({@code | tojson}), as vLLM and
   * transformers hand them.
   */
  private static List<Object> toolCalls(JsonNode list, String at) {
    if (!list.isArray()) {
      throw ApiException.badRequest(at, at + " must be a list of calls");
    }
    List<Object> calls = new ArrayList<>();
    for (int j = 0; j < list.size(); j++) {
      String callAt = at + "[" + j + "]";
      JsonNode call = list.get(j);
      JsonNode function = call.isObject() ? call.get("function") : null;
      if (function == null || !function.isObject()) {
        throw ApiException.badRequest(
            callAt + ".function",
            callAt + " must be {\"id\": ..., \"type\": \"function\", \"function\": {...}}");
      }
      JsonNode name = function.get("name");
      if (name == null || !name.isTextual()) {
        throw ApiException.badRequest(
            callAt + ".function.name", callAt + ".function.name must be a string");
      }
      Map<String, Object> fn = new LinkedHashMap<>();
      fn.put("name", name.textValue());
      fn.put("arguments", arguments(function.get("arguments"), callAt + ".function.arguments"));
      Map<String, Object> c = new LinkedHashMap<>();
      JsonNode id = call.get("id");
      if (id != null && !id.isNull()) {
        if (!id.isTextual()) {
          throw ApiException.badRequest(callAt + ".id", callAt + ".id must be a string");
        }
        c.put("id", id.textValue());
      }
      c.put("type", "function");
      c.put("function", fn);
      calls.add(c);
    }
    return calls;
  }

  private static Object arguments(JsonNode arguments, String at) {
    if (arguments == null || arguments.isNull()) {
      return new LinkedHashMap<String, Object>();
    }
    JsonNode parsed = arguments;
    if (arguments.isTextual()) {
      try {
        parsed = JSON.readTree(arguments.textValue());
      } catch (JsonProcessingException e) {
        throw ApiException.badRequest(
            at, at + " must be a JSON object written as a string: " + e.getOriginalMessage());
      }
    }
    if (parsed == null || !parsed.isObject()) {
      throw ApiException.badRequest(at, at + " must be a JSON object written as a string");
    }
    return JSON.convertValue(parsed, Object.class);
  }

  private static String content(JsonNode content, String at, String role) {
    if (content == null || content.isNull()) {
      if (role.equals("assistant")) {
        return "";
      }
      throw ApiException.badRequest(at + ".content", at + ".content is missing");
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    if (!content.isArray()) {
      throw ApiException.badRequest(
          at + ".content", at + ".content must be a string or a list of text parts");
    }
    List<String> texts = new ArrayList<>();
    for (int p = 0; p < content.size(); p++) {
      JsonNode part = content.get(p);
      String partAt = at + ".content[" + p + "]";
      JsonNode type = part.get("type");
      JsonNode text = part.get("text");
      if (!part.isObject()
          || type == null
          || !"text".equals(type.asText())
          || text == null
          || !text.isTextual()) {
        throw ApiException.badRequest(
            partAt,
            partAt + " must be {\"type\": \"text\", \"text\": ...}; only text is supported");
      }
      texts.add(text.textValue());
    }
    // vLLM joins text parts with newlines.
    return String.join("\n", texts);
  }
}
