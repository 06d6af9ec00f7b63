package dev.kernelj.llm.chat.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Streaming a reply in any pieces gives what parsing it whole gives: the same content (held text
 * included) and the same calls, for replies built of text, tags, JSON and their broken halves.
 */
class ToolCallStreamingPropertyTest {
  private static final Set<String> TOOLS = Set.of("f", "get_weather");
  private static final String[] ATOMS = {
    "Hello",
    " ",
    "\n",
    "<",
    "<tool",
    "<tool_call>",
    "</tool_call>",
    "<tool_call",
    "{",
    "}",
    "[",
    "]",
    "\"name\": \"f\"",
    "\"name\": \"g\"",
    "\"arguments\": {\"a\": 1}",
    "\"parameters\": {}",
    ", ",
    "<|python_tag|>",
    "[TOOL_CALLS]",
    ";",
    "é😀",
    "{\"name\": \"f\", \"arguments\": {}}",
    "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}",
    "[{\"name\": \"f\", \"arguments\": {\"x\": [1, 2]}}]",
    "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}</tool_call>"
  };

  private static String reply(Random random) {
    StringBuilder s = new StringBuilder();
    int atoms = random.nextInt(8);
    for (int i = 0; i < atoms; i++) s.append(ATOMS[random.nextInt(ATOMS.length)]);
    return s.toString();
  }

  private static List<String> calls(ToolCallParser.Result r) {
    List<String> out = new ArrayList<>();
    for (ToolCall c : r.calls()) out.add(c.name() + " " + c.arguments());
    return out;
  }

  @Test
  void anyPiecesGiveTheWholeReplysContentAndCalls() {
    Random random = new Random(42);
    int withCalls = 0;
    for (int n = 0; n < 20_000; n++) {
      String reply = reply(random);
      ToolCallFormat format = ToolCallFormat.values()[random.nextInt(3)];
      boolean parallel = random.nextBoolean();
      ToolCallParser.Result whole = ToolCallParser.parse(format, TOOLS, parallel, reply);
      ToolCallParser streaming = new ToolCallParser(format, TOOLS, parallel);
      StringBuilder content = new StringBuilder();
      int at = 0;
      while (at < reply.length()) {
        int next = Math.min(reply.length(), at + 1 + random.nextInt(6));
        content.append(streaming.accept(reply.substring(at, next)));
        at = next;
      }
      ToolCallParser.Result end = streaming.finish();
      content.append(end.content());
      String what = format + " " + reply;
      assertEquals(whole.content(), content.toString(), what);
      assertEquals(calls(whole), calls(end), what);
      if (whole.calls().isEmpty()) {
        assertEquals(reply, whole.content(), "a reply without calls is all content: " + what);
      } else {
        withCalls++;
      }
    }
    assertEquals(true, withCalls > 500, "the replies hold calls often enough: " + withCalls);
  }
}
