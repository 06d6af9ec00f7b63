package dev.kernelj.llm.cli;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a conversation into the model's prompt text with {@code tokenizer_config.json}'s Jinja
 * {@code chat_template} and the variables transformers passes (messages, add_generation_prompt,
 * bos_token, eos_token); a plain "User:/Assistant:" layout when the model has no template.
 * TODO(lead): switch to the chat package's renderer once it lands (issue 4), keeping this API.
 */
final class ChatPrompt {
  /** One turn. */
  record Message(String role, String content) {}

  private final Tokenizer tokenizer;
  private final Jinjava jinjava =
      new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(false).build());

  ChatPrompt(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** The prompt text for {@code history}, ending where the assistant's next reply starts. */
  String render(List<Message> history) {
    String template = tokenizer.config().chatTemplate();
    if (template == null || template.isBlank()) {
      StringBuilder sb = new StringBuilder();
      for (Message m : history) {
        sb.append(
                m.role().equals("user")
                    ? "User: "
                    : m.role().equals("system") ? "System: " : "Assistant: ")
            .append(m.content())
            .append('\n');
      }
      return sb.append("Assistant:").toString();
    }
    Map<String, Object> vars = new HashMap<>();
    vars.put(
        "messages",
        history.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
    vars.put("add_generation_prompt", true);
    vars.put("bos_token", nullToEmpty(tokenizer.config().bosToken()));
    vars.put("eos_token", nullToEmpty(tokenizer.config().eosToken()));
    return jinjava.render(template, vars);
  }

  /**
   * Whether the rendered text already starts with BOS (then the tokenizer must not add another).
   */
  boolean rendersBos(String rendered) {
    String bos = tokenizer.config().bosToken();
    return bos != null && !bos.isEmpty() && rendered.startsWith(bos);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
