package dev.kernelj.llm.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template ({@code tokenizer_config.json}'s {@code chat_template}) rendered
 * with Jinjava the way transformers renders it with Jinja2: {@code trim_blocks} and {@code
 * lstrip_blocks} on; variables {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}; functions {@code raise_exception} and {@code strftime_now}; a {@code tojson}
 * filter with Python's output format; and the Python {@code str}/{@code dict} methods templates
 * call. Thread-safe.
 */
public final class ChatTemplate {

  private final String source;
  private final String jinjavaSource;
  private final Map<String, Object> tokens;
  private final Jinjava jinjava;

  private ChatTemplate(String source, Map<String, Object> tokens) {
    this.source = source;
    this.jinjavaSource = JinjaSourceRewriter.rewrite(source);
    this.tokens = tokens;
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonMethodResolver());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
    jinjava =
        new Jinjava(
            JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                // Jinja2 semantics Jinjava only has behind flags: "{{-" / "-}}" trim like "{%-",
                // strict "-" parsing.
                .withLegacyOverrides(
                    LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .build())
                .build());
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
    jinjava.registerFilter(new PythonToJsonFilter());
  }

  /**
   * A template with the special-token variables it may use.
   *
   * @param bosToken value of {@code bos_token} (may be null: renders as empty)
   * @param eosToken value of {@code eos_token} (may be null)
   */
  public static ChatTemplate of(String template, String bosToken, String eosToken) {
    Objects.requireNonNull(template, "template");
    Map<String, Object> tokens = new HashMap<>();
    tokens.put("bos_token", bosToken == null ? "" : bosToken);
    tokens.put("eos_token", eosToken == null ? "" : eosToken);
    return new ChatTemplate(template, tokens);
  }

  /**
   * The default chat template of a tokenizer's {@code tokenizer_config.json}.
   *
   * @throws ChatTemplateException when the configuration has no chat template
   */
  public static ChatTemplate fromTokenizer(Tokenizer tokenizer) {
    String template = tokenizer.config().chatTemplate();
    if (template == null) {
      throw new ChatTemplateException("tokenizer_config.json has no chat_template");
    }
    return of(template, tokenizer.config().bosToken(), tokenizer.config().eosToken());
  }

  /** The template text as found in the configuration. */
  public String source() {
    return source;
  }

  /** Renders a conversation. */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    List<Map<String, Object>> maps =
        messages.stream().map(ChatMessage::toMap).collect(Collectors.toList());
    return renderMessages(maps, addGenerationPrompt, Map.of(), Clock.systemDefaultZone());
  }

  /**
   * Renders messages given as maps (for fields beyond role and content, such as {@code tool_calls}
   * or {@code reasoning_content}), with extra template variables (e.g. {@code tools}, {@code
   * enable_thinking}) and the clock {@code strftime_now} reads.
   *
   * @throws ChatTemplateException on a template error or when the template raises
   */
  public String renderMessages(
      List<? extends Map<String, ?>> messages,
      boolean addGenerationPrompt,
      Map<String, ?> extraVariables,
      Clock clock) {
    Map<String, Object> context = new HashMap<>(tokens);
    context.putAll(extraVariables);
    List<Map<String, Object>> copies = new ArrayList<>();
    for (Map<String, ?> m : messages) copies.add(new HashMap<>(m));
    context.put("messages", copies);
    context.put("add_generation_prompt", addGenerationPrompt);
    TemplateFunctions.CLOCK.set(clock);
    RenderResult result;
    try {
      result = jinjava.renderForResult(jinjavaSource, context);
    } finally {
      TemplateFunctions.CLOCK.remove();
    }
    List<TemplateError> fatal =
        result.getErrors().stream()
            .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
            .toList();
    if (!fatal.isEmpty()) {
      throw failure(fatal);
    }
    return result.getOutput();
  }

  private static ChatTemplateException failure(List<TemplateError> errors) {
    for (TemplateError e : errors) {
      for (Throwable t = e.getException(); t != null; t = t.getCause()) {
        if (t instanceof TemplateFunctions.TemplateRaisedException raised) {
          return new ChatTemplateException(
              "the chat template rejected the conversation: " + raised.getMessage(), raised);
        }
      }
    }
    String detail =
        errors.stream()
            .map(
                e ->
                    "line "
                        + e.getLineno()
                        + ": "
                        + e.getMessage()
                        + (e.getFieldName() == null ? "" : " (in '" + e.getFieldName() + "')"))
            .collect(Collectors.joining("; "));
    return new ChatTemplateException("cannot render the chat template: " + detail);
  }

  /** transformers' {@code tojson}: Python's json.dumps with ensure_ascii=False, optional indent. */
  private static final class PythonToJsonFilter implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return PythonJson.dumps(var, args.length > 0 ? Integer.valueOf(args[0]) : null);
    }

    @Override
    public Object filter(
        Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indent =
          kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
      return PythonJson.dumps(var, indent == null ? null : ((Number) toNumber(indent)).intValue());
    }

    private static Object toNumber(Object o) {
      return o instanceof Number ? o : Long.valueOf(o.toString());
    }
  }
}
