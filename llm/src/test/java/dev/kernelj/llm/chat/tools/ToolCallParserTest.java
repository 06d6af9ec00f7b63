package dev.kernelj.llm.chat.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.chat.tools.ToolCallParser.Result;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ToolCallParserTest {
  private static final Set<String> TOOLS = Set.of("get_weather", "get_time");
  private static final String PARIS = "{\"city\":\"Paris\"}";

  private static Result whole(ToolCallFormat format, String reply) {
    return ToolCallParser.parse(format, TOOLS, true, reply);
  }

  /** Feeds the reply one character at a time; returns the content given out and the calls. */
  private static Result streamed(ToolCallFormat format, String reply, List<String> early) {
    ToolCallParser parser = new ToolCallParser(format, TOOLS, true);
    StringBuilder content = new StringBuilder();
    for (int i = 0; i < reply.length(); i++) {
      String out = parser.accept(reply.substring(i, i + 1));
      content.append(out);
      if (!out.isEmpty()) early.add(content.toString());
    }
    Result end = parser.finish();
    return new Result(content + end.content(), end.calls());
  }

  private static void assertCall(ToolCall call, String name, String arguments) {
    assertEquals(name, call.name());
    assertEquals(arguments, call.arguments());
  }

  @Test
  void hermesCallsAfterTextAreReadAndTheTextStaysContent() {
    String reply =
        "Let me look.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"
            + "\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>";
    Result r = whole(ToolCallFormat.HERMES, reply);
    assertEquals("Let me look.\n", r.content());
    assertEquals(2, r.calls().size());
    assertCall(r.calls().get(0), "get_weather", PARIS);
    assertCall(r.calls().get(1), "get_time", "{}");

    List<String> early = new java.util.ArrayList<>();
    Result s = streamed(ToolCallFormat.HERMES, reply, early);
    assertEquals(r.content(), s.content());
    assertEquals(2, s.calls().size());
    assertEquals("Let me look.\n", early.get(early.size() - 1), "content streams until the tag");
    for (String e : early) assertFalse(e.contains("<"), e);
  }

  @Test
  void parallelFalseKeepsTheFirstCall() {
    String reply =
        "<tool_call>{\"name\": \"get_time\", \"arguments\": {}}</tool_call>"
            + "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>";
    Result r = ToolCallParser.parse(ToolCallFormat.HERMES, TOOLS, false, reply);
    assertEquals(1, r.calls().size());
    assertCall(r.calls().get(0), "get_time", "{}");
  }

  @Test
  void textThatOnlyLooksLikeTheTagStreamsAsContent() {
    String reply = "a <tool is not a <tool_cal, and x<tool";
    List<String> early = new java.util.ArrayList<>();
    Result s = streamed(ToolCallFormat.HERMES, reply, early);
    assertEquals(reply, s.content());
    assertTrue(s.calls().isEmpty());
    assertEquals("a <tool is not a <tool_cal, and x", early.get(early.size() - 1));
  }

  @Test
  void malformedOrUnofferedCallsComeBackAsContentWhole() {
    for (String reply :
        List.of(
            "Sure. <tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": </tool_call>",
            "<tool_call>{\"name\": \"rm_rf\", \"arguments\": {}}</tool_call>",
            "<tool_call>[1, 2]</tool_call>",
            "<tool_call>{\"name\": \"get_time\", \"arguments\": [1]}</tool_call>")) {
      Result r = whole(ToolCallFormat.HERMES, reply);
      assertEquals(reply, r.content());
      assertTrue(r.calls().isEmpty(), reply);
      assertEquals(
          reply, streamed(ToolCallFormat.HERMES, reply, new java.util.ArrayList<>()).content());
    }
  }

  @Test
  void argumentsGivenAsJsonTextAreTheSameObject() {
    Result r =
        whole(
            ToolCallFormat.HERMES,
            "<tool_call>{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}</tool_call>");
    assertCall(r.calls().get(0), "get_weather", PARIS);
  }

  @Test
  void llama3JsonRepliesAreCallsAndEverythingElseIsContent() {
    Result one =
        whole(
            ToolCallFormat.LLAMA3_JSON,
            "  {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}");
    assertEquals("", one.content());
    assertCall(one.calls().get(0), "get_weather", PARIS);

    Result tagged =
        whole(
            ToolCallFormat.LLAMA3_JSON,
            "<|python_tag|>{\"name\": \"get_time\", \"parameters\": {}}; "
                + "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}");
    assertEquals(2, tagged.calls().size());
    assertCall(tagged.calls().get(1), "get_weather", PARIS);

    for (String content :
        List.of(
            "The weather is fine.",
            "{\"name\": \"get_weather\", \"city\": \"Paris\"}",
            "{\"name\": \"Bob\", \"parameters\": {}}",
            "{\"name\": \"get_time\", \"parameters\": {}} and then some",
            "<|python_tag|>print(1)")) {
      Result r = whole(ToolCallFormat.LLAMA3_JSON, content);
      assertEquals(content, r.content());
      assertTrue(r.calls().isEmpty(), content);
    }
  }

  @Test
  void llama3PlainRepliesStreamFromTheirFirstCharacter() {
    List<String> early = new java.util.ArrayList<>();
    streamed(ToolCallFormat.LLAMA3_JSON, " Hi there", early);
    assertEquals(" H", early.get(0));
    List<String> held = new java.util.ArrayList<>();
    Result r =
        streamed(ToolCallFormat.LLAMA3_JSON, "{\"name\": \"get_time\", \"parameters\": {}}", held);
    assertTrue(held.isEmpty(), "a call is never streamed as content: " + held);
    assertEquals(1, r.calls().size());
  }

  @Test
  void mistralCallListsWithOrWithoutTheirTag() {
    for (String reply :
        List.of(
            "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]",
            "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]")) {
      Result r = whole(ToolCallFormat.MISTRAL, reply);
      assertEquals("", r.content());
      assertCall(r.calls().get(0), "get_weather", PARIS);
      Result s = streamed(ToolCallFormat.MISTRAL, reply, new java.util.ArrayList<>());
      assertCall(s.calls().get(0), "get_weather", PARIS);
    }
    for (String content : List.of("[1, 2, 3]", "[link](https://example.com)", "Yes.")) {
      Result r = whole(ToolCallFormat.MISTRAL, content);
      assertEquals(content, r.content());
      assertTrue(r.calls().isEmpty());
    }
  }

  @Test
  void callIdsHaveTheFormatTheirTemplatesAccept() {
    assertTrue(ToolCallFormat.MISTRAL.newCallId().matches("[A-Za-z0-9]{9}"));
    assertTrue(ToolCallFormat.HERMES.newCallId().matches("call_[A-Za-z0-9]{24}"));
    assertFalse(ToolCallFormat.HERMES.newCallId().equals(ToolCallFormat.HERMES.newCallId()));
  }
}
