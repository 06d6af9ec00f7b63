package dev.kernelj.llm.server;

import dev.kernelj.llm.chat.ChatTemplate;
import dev.kernelj.llm.chat.ChatTemplateException;
import dev.kernelj.llm.chat.tools.ToolCallFormat;
import dev.kernelj.llm.tokenizer.Tokenizer;

/**
 * How the served model takes tools: the chat template that renders a conversation with tools (a
 * tokenizer's {@code tool_use} template where it has one, as transformers picks, else the default)
 * and the format of the calls its replies hold.
 *
 * @param template renders requests that carry tools
 * @param format how the replies write calls
 */
public record ChatTools(ChatTemplate template, ToolCallFormat format) {

  /**
   * The tools of a model, or null when it takes none: no chat template, or one in which no format
   * can be recognised and none was named.
   *
   * @param named the format {@code --tool-call-parser} named, or null to recognise it
   */
  static ChatTools of(Tokenizer tokenizer, ChatTemplate chatTemplate, ToolCallFormat named) {
    if (chatTemplate == null) return null;
    ChatTemplate template = chatTemplate;
    String toolUse = tokenizer == null ? null : tokenizer.config().chatTemplates().get("tool_use");
    if (toolUse != null) {
      try {
        template =
            ChatTemplate.of(toolUse, tokenizer.config().bosToken(), tokenizer.config().eosToken());
      } catch (ChatTemplateException broken) {
        // A tool_use template this renderer cannot read leaves the default one, as a model
        // without one has: the model still loads and chats.
        template = chatTemplate;
      }
    }
    ToolCallFormat format =
        named != null ? named : ToolCallFormat.detect(template.source()).orElse(null);
    return format == null ? null : new ChatTools(template, format);
  }
}
