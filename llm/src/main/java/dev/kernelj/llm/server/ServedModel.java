package dev.kernelj.llm.server;

import dev.kernelj.llm.chat.ChatTemplate;
import dev.kernelj.llm.chat.ChatTemplateException;
import dev.kernelj.llm.chat.tools.ToolCallFormat;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.tokenizer.Tokenizer;

/**
 * The model the server serves: its public name, its engine and what requests are checked and
 * rendered with.
 *
 * @param name the id clients send as {@code model} ({@code --served-model-name})
 * @param engine the serving engine
 * @param tokenizer encodes text prompts; null when the model has no tokenizer.json
 * @param chatTemplate renders chat messages; null when tokenizer_config.json has none
 * @param defaults sampling for fields a request leaves out: {@code generation_config.json}'s, as
 *     vLLM does (greedy when it does not sample)
 * @param vocabSize token ids must be below this
 * @param device the backend's name
 * @param createdSeconds when the model was loaded (epoch seconds), as {@code /v1/models} reports it
 * @param tools how chat requests with {@code tools} are rendered and their replies read; null when
 *     the model takes no tools
 * @param splitsReasoning whether chat replies' {@code <think>} text goes to {@code
 *     reasoning_content} ({@code --reasoning-parser})
 */
public record ServedModel(
    String name,
    ServingEngine engine,
    Tokenizer tokenizer,
    ChatTemplate chatTemplate,
    SamplingSettings defaults,
    int vocabSize,
    String device,
    long createdSeconds,
    ChatTools tools,
    boolean splitsReasoning) {

  /** A served model whose tool-call format, if any, is recognised from its chat template. */
  public ServedModel(
      String name,
      ServingEngine engine,
      Tokenizer tokenizer,
      ChatTemplate chatTemplate,
      SamplingSettings defaults,
      int vocabSize,
      String device,
      long createdSeconds) {
    this(
        name,
        engine,
        tokenizer,
        chatTemplate,
        defaults,
        vocabSize,
        device,
        createdSeconds,
        ChatTools.of(tokenizer, chatTemplate, null),
        false);
  }

  /**
   * The same model with its replies' tool calls read in {@code format} ({@code
   * --tool-call-parser}), or with no tools when {@code format} is null.
   */
  public ServedModel withToolCallFormat(ToolCallFormat format) {
    return with(
        format == null ? null : ChatTools.of(tokenizer, chatTemplate, format), splitsReasoning);
  }

  /** The same model with chat replies' reasoning split out into {@code reasoning_content}. */
  public ServedModel withReasoningSplit() {
    return with(tools, true);
  }

  private ServedModel with(ChatTools chatTools, boolean reasoning) {
    return new ServedModel(
        name,
        engine,
        tokenizer,
        chatTemplate,
        defaults,
        vocabSize,
        device,
        createdSeconds,
        chatTools,
        reasoning);
  }

  /** The served model of an opened engine. */
  public static ServedModel of(String name, ServingEngineFactory.Opened opened) {
    Tokenizer tokenizer = opened.tokenizer();
    ChatTemplate template = null;
    if (tokenizer != null && tokenizer.config().chatTemplate() != null) {
      try {
        template = ChatTemplate.fromTokenizer(tokenizer);
      } catch (ChatTemplateException e) {
        // Completions, tokenize and the rest need no template: the server still serves them, and
        // chat requests get this reason.
        template = ChatTemplate.unusable(tokenizer.config().chatTemplate(), e.getMessage());
      }
    }
    return new ServedModel(
        name,
        opened.engine(),
        tokenizer,
        template,
        SamplingSettings.fromGenerationConfig(opened.config().generation(), 0),
        opened.config().vocabSize(),
        opened.device(),
        System.currentTimeMillis() / 1000);
  }
}
