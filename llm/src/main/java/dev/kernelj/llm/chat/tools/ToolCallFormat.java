package dev.kernelj.llm.chat.tools;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * How a family of models writes tool calls in its reply. The model's chat template shows the format
 * it was trained on, so {@link #detect} reads it from there; {@code kernelj serve
 * --tool-call-parser} overrides that.
 */
public enum ToolCallFormat {
  /**
   * Hermes 2 Pro, Qwen 2.5 and 3, and most fine-tunes since: each call is {@code
   * <tool_call>{"name": ..., "arguments": {...}}</tool_call>}, after any text.
   */
  HERMES("hermes", "<tool_call>"),
  /**
   * Llama 3.1 to 3.3 with JSON tools: the whole reply is {@code {"name": ..., "parameters": {...}}}
   * (several joined by ";"), possibly after {@code <|python_tag|>}.
   */
  LLAMA3_JSON("llama3_json", "{"),
  /**
   * Mistral 7B v0.3, Nemo, Small and Large: {@code [TOOL_CALLS]} (a special token, so usually not
   * in the text) and then a JSON list {@code [{"name": ..., "arguments": {...}}]}.
   */
  MISTRAL("mistral", "[");

  private static final String ID_CHARACTERS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private final String cliName;
  private final String opening;

  ToolCallFormat(String cliName, String opening) {
    this.cliName = cliName;
    this.opening = opening;
  }

  /** The name {@code --tool-call-parser} takes. */
  public String cliName() {
    return cliName;
  }

  /** Where a call starts: the tag, or the first character of a reply that is only calls. */
  String opening() {
    return opening;
  }

  /** The format of {@code --tool-call-parser NAME}. */
  public static ToolCallFormat named(String name) {
    for (ToolCallFormat f : values()) {
      if (f.cliName.equals(name.toLowerCase(Locale.ROOT))) return f;
    }
    throw new IllegalArgumentException(
        "unknown tool-call format '" + name + "'; one of " + names());
  }

  /** The names {@code --tool-call-parser} takes, for messages. */
  public static String names() {
    return Arrays.stream(values()).map(f -> f.cliName).collect(Collectors.joining(", "));
  }

  /**
   * The format a chat template teaches its model, from what the template writes when it is given
   * tools; empty when the template takes no tools or writes none of these formats.
   */
  public static Optional<ToolCallFormat> detect(String template) {
    if (template == null || !template.contains("tools")) return Optional.empty();
    // Qwen3-Coder and Qwen3.5 wrap XML-style calls (<function=name><parameter=...>) in the same
    // tag: not a format this reader takes.
    if (template.contains("<function=")) return Optional.empty();
    if (template.contains("<tool_call>")) return Optional.of(HERMES);
    if (template.contains("[TOOL_CALLS]") || template.contains("[AVAILABLE_TOOLS]")) {
      return Optional.of(MISTRAL);
    }
    if (template.contains("<|python_tag|>") || template.contains("\"parameters\"")) {
      return Optional.of(LLAMA3_JSON);
    }
    return Optional.empty();
  }

  /**
   * A new call id. Mistral's templates refuse ids that are not nine letters or digits, so a
   * conversation sent back with these ids renders; the others get OpenAI's {@code call_} form.
   */
  public String newCallId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int length = this == MISTRAL ? 9 : 24;
    StringBuilder id = new StringBuilder(this == MISTRAL ? "" : "call_");
    for (int i = 0; i < length; i++) {
      id.append(ID_CHARACTERS.charAt(random.nextInt(ID_CHARACTERS.length())));
    }
    return id.toString();
  }
}
