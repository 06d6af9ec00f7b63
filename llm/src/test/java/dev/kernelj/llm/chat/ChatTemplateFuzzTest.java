package dev.kernelj.llm.chat;

import dev.kernelj.llm.testing.FuzzHarness;
import dev.kernelj.llm.testing.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzes chat templates with 1,200 mutated sources (150 tries x 8) derived from Mistral's, ChatML's
 * and a Llama-3-like template: character mutations, spliced Jinja fragments (block tags, filters,
 * macros that recurse, loops, huge literals), and a nesting generator that wraps the template in
 * thousands of blocks or an expression in thousands of brackets. A template either renders a
 * conversation or fails with a {@link ChatTemplateException}; nothing may overflow the stack,
 * exhaust the heap or hang.
 */
class ChatTemplateFuzzTest {
  private static final int PER_TRY = 8;
  private static final FuzzHarness HARNESS = new FuzzHarness(List.of(ChatTemplateException.class));

  private static final List<String> SEEDS =
      List.of(
          "{{ bos_token }}{% for message in messages %}"
              + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
              + "{{ raise_exception('Conversation roles must alternate') }}{% endif %}"
              + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
              + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
              + "{% endif %}{% endfor %}",
          "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' +"
              + " message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if"
              + " add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
          "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content ="
              + " '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' +"
              + " message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set"
              + " content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if"
              + " add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n'"
              + " }}{% endif %}");

  private static final List<String> FRAGMENTS =
      List.of(
          "{% if x %}",
          "{% endif %}",
          "{% for m in messages %}",
          "{% endfor %}",
          "{{ ",
          " }}",
          "(",
          ")",
          "[",
          "|upper",
          "|frobnicate",
          "|tojson(indent=2)",
          "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
          "{{ range(100000)|length }}",
          "{% for i in range(999) %}{% for j in range(999) %}{% endfor %}{% endfor %}",
          "{% set s = 'ab' %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s }}",
          "{% set l = [1] %}{% for i in range(40) %}{% set l = l + l %}{% endfor %}",
          "{{ raise_exception('x') }}",
          "{{ 'x' * 99999999 }}",
          "{{ messages[99].content }}",
          "{{ strftime_now('%d %B %Y') }}",
          "{% raw %}",
          "{% endraw %}",
          "{#",
          "#}",
          "'",
          "\"",
          "{% include 'other.j2' %}",
          "{% set ns = namespace(a=1) %}{{ ns.a }}");

  @Property(tries = 150)
  void mutatedTemplatesRenderOrFailWithATemplateError(@ForAll long seed) {
    Random random = new Random(seed);
    List<FuzzHarness.Case> batch = new ArrayList<>(PER_TRY);
    for (int i = 0; i < PER_TRY; i++) {
      String source = mutate(SEEDS.get(random.nextInt(SEEDS.size())), random);
      batch.add(FuzzHarness.Case.of(() -> render(source), source));
    }
    HARNESS.runBatch(batch);
  }

  private static void render(String source) {
    ChatTemplate template = ChatTemplate.of(source, "<s>", "</s>");
    template.checkRenders();
    template.render(
        List.of(
            ChatMessage.system("be brief"),
            ChatMessage.user("hi"),
            ChatMessage.assistant("hello"),
            ChatMessage.user("again")),
        true);
  }

  private static String mutate(String seed, Random random) {
    return switch (random.nextInt(6)) {
      case 0 ->
          new String(
              Mutator.mutate(seed.getBytes(StandardCharsets.UTF_8), random),
              StandardCharsets.UTF_8);
      case 1, 2 -> splice(seed, random);
      case 3 -> nestBlocks(seed, random);
      case 4 -> nestBrackets(seed, random);
      default -> seed + "{{ '" + "x".repeat(random.nextInt(2_000_000)) + "' }}";
    };
  }

  private static String splice(String seed, Random random) {
    StringBuilder s = new StringBuilder(seed);
    for (int n = 1 + random.nextInt(3); n > 0; n--) {
      s.insert(random.nextInt(s.length() + 1), FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
    }
    return s.toString();
  }

  /** The template inside {@code depth} nested blocks of one kind (up to 3,000 deep). */
  private static String nestBlocks(String seed, Random random) {
    int depth = random.nextInt(3000);
    String[][] kinds = {
      {"{% if true %}", "{% endif %}"},
      {"{% for x in [1] %}", "{% endfor %}"},
      {"{% filter upper %}", "{% endfilter %}"},
      {"{% set b %}", "{% endset %}"}
    };
    String[] kind = kinds[random.nextInt(kinds.length)];
    return kind[0].repeat(depth) + seed + kind[1].repeat(depth);
  }

  /** An expression nested {@code depth} brackets deep (up to 6,000) before the template. */
  private static String nestBrackets(String seed, Random random) {
    int depth = random.nextInt(6000);
    String open = random.nextBoolean() ? "(" : "[";
    String close = open.equals("(") ? ")" : "]";
    return "{{ " + open.repeat(depth) + "1" + close.repeat(depth) + " }}" + seed;
  }

  @AfterContainer
  static void enoughCasesRan() {
    HARNESS.assertEnoughRan(150L * PER_TRY, 0.1);
  }
}
