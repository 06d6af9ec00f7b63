package dev.kernelj.llm.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.chat.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Chat {@code messages} to prompt tokens: each message checked (role, content as a string or a list
 * of text parts), the conversation rendered with the model's chat template ({@code
 * add_generation_prompt}, on by default) and encoded, without added special tokens unless the
 * request sets vLLM's {@code add_special_tokens} (the template writes BOS where the model wants
 * it).
 */
final class ChatPrompts {
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

  /** A rendered conversation. */
  record Rendered(String text, int[] ids) {}

  private ChatPrompts() {}

  static Rendered render(RequestFields f, ServedModel model) {
    List<ChatMessage> messages = messages(f);
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
    String text = model.chatTemplate().render(messages, f.bool("add_generation_prompt", true));
    int[] ids = model.tokenizer().encode(text, f.bool("add_special_tokens", false));
    return new Rendered(text, ids);
  }

  static List<ChatMessage> messages(RequestFields f) {
    JsonNode list = f.value("messages");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw ApiException.badRequest("messages", "messages must be a non-empty list of messages");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "messages[" + i + "]";
      JsonNode m = list.get(i);
      if (!m.isObject()) {
        throw ApiException.badRequest(at, at + " must be an object");
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual() || !ROLES.contains(role.textValue())) {
        throw ApiException.badRequest(
            at + ".role", at + ".role must be one of system, developer, user or assistant");
      }
      // OpenAI's "developer" is the system role of newer models; templates know "system".
      String r = role.textValue().equals("developer") ? "system" : role.textValue();
      out.add(new ChatMessage(r, content(m.get("content"), at, r)));
    }
    return out;
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
