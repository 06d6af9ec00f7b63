package dev.kernelj.llm.cli;

import dev.kernelj.llm.chat.ChatMessage;
import dev.kernelj.llm.chat.ChatTemplate;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.util.List;

/**
 * Renders a conversation into the model's prompt text with {@code tokenizer_config.json}'s chat
 * template (rendered as transformers renders it, see {@link ChatTemplate}); a plain
 * "User:/Assistant:" layout when the model has no template.
 */
final class ChatPrompt {
  private final Tokenizer tokenizer;
  private final ChatTemplate template;

  ChatPrompt(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
    String source = tokenizer.config().chatTemplate();
    this.template =
        source == null || source.isBlank() ? null : ChatTemplate.fromTokenizer(tokenizer);
  }

  /** The prompt text for {@code history}, ending where the assistant's next reply starts. */
  String render(List<ChatMessage> history) {
    if (template == null) {
      StringBuilder sb = new StringBuilder();
      for (ChatMessage m : history) {
        sb.append(
                m.role().equals("user")
                    ? "User: "
                    : m.role().equals("system") ? "System: " : "Assistant: ")
            .append(m.content())
            .append('\n');
      }
      return sb.append("Assistant:").toString();
    }
    return template.render(history, true);
  }

  /**
   * Whether the rendered text already starts with BOS (then the tokenizer must not add another).
   */
  boolean rendersBos(String rendered) {
    String bos = tokenizer.config().bosToken();
    return bos != null && !bos.isEmpty() && rendered.startsWith(bos);
  }

  /** The token ids of {@code history}'s prompt. */
  int[] encode(List<ChatMessage> history) {
    String text = render(history);
    return tokenizer.encode(text, !rendersBos(text));
  }
}
