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
  /** Most text one render may produce (a 128k-token prompt is about 0.5 MiB). */
  static final long MAX_OUTPUT_BYTES = 4L << 20;

  /** Most items of a list or dict a template may build. */
  static final int MAX_COLLECTION = 100_000;

  /** Deepest recursion of a template's macros. */
  static final int MAX_MACRO_DEPTH = 32;

  /** The conversation {@link #checkRenders} renders. */
  private static final List<ChatMessage> SAMPLE = List.of(ChatMessage.user("Hello"));

  private final String source;
  private final String jinjavaSource;
  private final Map<String, Object> tokens;
  private final Jinjava jinjava;

  /** Why this template cannot render, or null: see {@link #unusable}. */
  private final String problem;

  private ChatTemplate(String source, String problem) {
    this.source = source;
    this.problem = problem;
    this.tokens = Map.of();
    this.jinjava = null;
    this.jinjavaSource = null;
  }

  private ChatTemplate(String source, Map<String, Object> tokens) {
    this.problem = null;
    this.source = source;
    this.tokens = tokens;
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonMethodResolver());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
    jinjava =
        new Jinjava(
            JinjavaConfig.newBuilder()
                // jinja2's trim_blocks and lstrip_blocks are applied by JinjaSourceRewriter, since
                // Jinjava's own differ (it strips blanks before a tag in mid-line).
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withElResolver(resolver)
                // Jinja2 prints a value as text. Jinjava by default renders a printed string that
                // holds "{{" or "{%" again, so a message saying "{{ 7*7 }}" would reach the model
                // as "49", and "{% raw %}" would fail the render.
                .withNestedInterpretationEnabled(false)
                // Bounds on what a hostile template can make: output, strings, collections, macro
                // recursion (loops are bounded by the range() budget of TemplateFunctions).
                .withMaxOutputSize(MAX_OUTPUT_BYTES)
                .withMaxStringLength(MAX_OUTPUT_BYTES)
                .withMaxListSize(MAX_COLLECTION)
                .withMaxMapSize(MAX_COLLECTION)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(MAX_MACRO_DEPTH)
                // Jinja2 semantics Jinjava only has behind flags: "{{-" / "-}}" trim like "{%-",
                // strict "-" parsing.
                .withLegacyOverrides(
                    LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true)
                        // a loop over a dict walks its keys, and None items stay in a loop
                        .withIterateOverMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build());
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "", "range", TemplateFunctions.class, "range", Object.class, Object[].class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "", JinjaSourceRewriter.MACRO_TICK, TemplateFunctions.class, "macroCall"));
    registerSequenceFunctions(jinjava);
    JinjaBuiltins.register(jinjava);
    jinjava.registerFilter(new PythonToJsonFilter());
    jinjava.registerFilter(new UnknownFilter());
    this.jinjavaSource =
        JinjaSourceRewriter.rewrite(
            source, name -> jinjava.getGlobalContext().getFilter(name) != null);
  }

  /**
   * A template with the special-token variables it may use. The source is checked first (size,
   * nesting, closed tags), so a template that cannot be parsed safely fails here; an unknown filter
   * fails where it is used, as in Jinja2.
   *
   * @throws ChatTemplateException when the source is over a limit or does not lex
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

  /**
   * A template that could not be read (what {@link #of} threw): every render fails with {@code
   * problem}. A server keeps serving what needs no template, where a command that chats fails at
   * once.
   */
  public static ChatTemplate unusable(String source, String problem) {
    return new ChatTemplate(source, Objects.requireNonNull(problem, "problem"));
  }

  /** Why this template cannot render, or null when it can. */
  public String problem() {
    return problem;
  }

  /** The template text as found in the configuration. */
  public String source() {
    return source;
  }

  /**
   * Renders a one-message conversation, as opening a model does: a template that cannot render
   * fails when the model is loaded rather than at the user's first line.
   *
   * @throws ChatTemplateException when it cannot render, or renders without the message
   */
  public void checkRenders() {
    String text = renderMessages(maps(SAMPLE), true, Map.of(), Clock.systemUTC());
    if (!text.contains(SAMPLE.get(0).content())) {
      throw new ChatTemplateException(
          "renders a one-message conversation without the message (\""
              + TemplateMessages.abbreviate(text)
              + "\")");
    }
  }

  private static List<Map<String, Object>> maps(List<ChatMessage> messages) {
    return messages.stream().map(ChatMessage::toMap).collect(Collectors.toList());
  }

  /** Renders a conversation. */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return renderMessages(maps(messages), addGenerationPrompt, Map.of(), Clock.systemDefaultZone());
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
    if (problem != null) {
      throw new ChatTemplateException("the model's chat template cannot be used: " + problem);
    }
    Map<String, Object> context = new HashMap<>(TemplateFunctions.GLOBALS);
    context.putAll(tokens);
    extraVariables.forEach((k, v) -> context.put(k, PythonValues.of(v)));
    // Copies (templates may change them), whose maps and lists print as Python's.
    context.put("messages", PythonValues.of(messages));
    context.put("add_generation_prompt", addGenerationPrompt);
    TemplateFunctions.CLOCK.set(clock);
    TemplateFunctions.RANGE_LEFT.get()[0] = TemplateFunctions.RANGE_BUDGET;
    TemplateFunctions.MACRO_CALLS_LEFT.get()[0] = TemplateFunctions.MACRO_CALL_BUDGET;
    RenderResult result;
    try {
      result = jinjava.renderForResult(jinjavaSource, context);
    } catch (StackOverflowError e) {
      // The source scan bounds nesting; this catches recursion it cannot see.
      throw new ChatTemplateException("the chat template recurses too deeply to render");
    } catch (TemplateFunctions.TemplateLimitException e) {
      throw new ChatTemplateException("cannot render the chat template: " + e.getMessage());
    } finally {
      TemplateFunctions.CLOCK.remove();
    }
    String spent = TemplateFunctions.macroBudgetSpent();
    if (spent != null) {
      throw new ChatTemplateException("cannot render the chat template: " + spent);
    }
    // Jinjava reports a broken macro (a recursion cycle) as a warning and renders nothing there.
    List<TemplateError> fatal =
        result.getErrors().stream()
            .filter(
                e ->
                    e.getSeverity() == TemplateError.ErrorType.FATAL
                        || e.getReason() == TemplateError.ErrorReason.EXCEPTION)
            .toList();
    if (!fatal.isEmpty()) {
      throw failure(fatal);
    }
    return result.getOutput();
  }

  /** The functions the rewritten source calls, and the {@code items} filter. */
  private static void registerSequenceFunctions(Jinjava jinjava) {
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "",
            JinjaExpressions.SLICE,
            TemplateSequences.class,
            "slice",
            Object.class,
            Object.class,
            Object.class,
            Object.class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "", JinjaSourceRewriter.ITEMS, TemplateSequences.class, "items", Object.class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "", JinjaTruth.TRUTHY, TemplateFunctions.class, "truthy", Object.class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "",
            JinjaTruth.EQUALS,
            TemplateFunctions.class,
            "pythonEquals",
            Object.class,
            Object.class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "",
            JinjaSourceRewriter.PICK,
            TemplateSequences.class,
            "pick",
            Object.class,
            Object.class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "",
            JinjaSourceRewriter.PREVIOUS,
            TemplateSequences.class,
            "previous",
            Object.class,
            Object.class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "",
            JinjaSourceRewriter.FOLLOWING,
            TemplateSequences.class,
            "following",
            Object.class,
            Object.class));
    jinjava.registerFilter(new ItemsFilter());
  }

  /**
   * What a filter this renderer does not have becomes ({@link JinjaExpressions}): it fails where it
   * is used, as Jinja2's lookup does, so a template whose unknown filter sits in a branch that
   * never runs still renders (Jinjava would print nothing for it).
   */
  static final class UnknownFilter implements Filter {
    /** A filter that does not exist was used. */
    static final class Missing extends RuntimeException {
      Missing(String name) {
        super(name, null, false, false);
      }
    }

    @Override
    public String getName() {
      return JinjaExpressions.UNKNOWN_FILTER;
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      throw new Missing(args.length > 0 ? args[0] : "?");
    }
  }

  /** Jinja2's {@code items} filter: a dict's (key, value) pairs, as {@code dict.items()}. */
  private static final class ItemsFilter implements Filter {
    @Override
    public String getName() {
      return "items";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return TemplateSequences.pairs(var);
    }
  }

  private static ChatTemplateException failure(List<TemplateError> errors) {
    for (TemplateError e : errors) {
      for (Throwable t = e.getException(); t != null; t = t.getCause()) {
        if (t instanceof TemplateFunctions.TemplateRaisedException raised) {
          return new ChatTemplateException(
              "the chat template rejected the conversation: "
                  + TemplateMessages.abbreviate(raised.getMessage()),
              raised);
        }
        if (t instanceof UnknownFilter.Missing missing) {
          return new ChatTemplateException(
              "cannot render the chat template: line "
                  + e.getLineno()
                  + ": unknown filter '"
                  + missing.getMessage()
                  + "'",
              missing);
        }
        if (t instanceof TemplateFunctions.TemplateLimitException limit) {
          return new ChatTemplateException(
              "cannot render the chat template: " + limit.getMessage(), limit);
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
                        + TemplateMessages.clean(e.getMessage())
                        + (e.getFieldName() == null || e.getFieldName().isBlank()
                            ? ""
                            : " (in '" + TemplateMessages.abbreviate(e.getFieldName()) + "')"))
            .collect(Collectors.joining("; "));
    return new ChatTemplateException("cannot render the chat template: " + detail);
  }

  /**
   * transformers' {@code tojson}: Python's {@code json.dumps(x, ensure_ascii=False, indent=None,
   * separators=None, sort_keys=False)}, each option by name or in that order.
   */
  private static final class PythonToJsonFilter implements ValueFilter {
    private static final List<String> OPTIONS =
        List.of("ensure_ascii", "indent", "separators", "sort_keys");

    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(
        Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object[] option = new Object[OPTIONS.size()];
      for (int i = 0; i < option.length; i++) {
        option[i] =
            kwargs.containsKey(OPTIONS.get(i))
                ? kwargs.get(OPTIONS.get(i))
                : i < args.length ? args[i] : null;
      }
      Integer indent =
          option[1] == null ? null : Integer.valueOf(((Number) toNumber(option[1])).intValue());
      PythonJson.Options defaults = PythonJson.Options.of(indent);
      String items = defaults.itemSeparator();
      String keys = defaults.keySeparator();
      if (option[2] != null) {
        List<Object> pair = TemplateSequences.items(option[2]);
        if (pair.size() != 2) {
          throw new IllegalArgumentException("tojson: separators must be two strings");
        }
        items = String.valueOf(pair.get(0));
        keys = String.valueOf(pair.get(1));
      }
      return PythonJson.dumps(
          var, new PythonJson.Options(truthy(option[0]), indent, items, keys, truthy(option[3])));
    }

    private static boolean truthy(Object o) {
      return o instanceof Boolean b
          ? b
          : o instanceof Number n ? n.doubleValue() != 0 : o != null && !o.toString().isEmpty();
    }

    private static Object toNumber(Object o) {
      return o instanceof Number ? o : Long.valueOf(o.toString());
    }
  }
}
