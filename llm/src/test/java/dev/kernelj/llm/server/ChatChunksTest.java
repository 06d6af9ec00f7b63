package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.llm.chat.tools.ToolCallFormat;
import dev.kernelj.llm.json.JsonLimits;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chunks of a chat stream: each choice's role goes out in the chunk of its first token, not
 * when the stream opens (a client that times the first chunk with choices, as vLLM's benchmark
 * does, would count the queue and the prefill as the first gap between tokens otherwise), choices
 * open in index order, and a choice's finish reason follows its last text in a chunk of its own.
 */
class ChatChunksTest {
  /** The chunks one delta makes, each parsed, with its single choice. */
  private static List<JsonNode> chunks(ChatResponses format, int index, Delta d)
      throws IOException {
    List<ByteArrayOutputStream> outs = new ArrayList<>();
    List<JsonGenerator> open = new ArrayList<>();
    format.writeDeltaChunks(
        index,
        d,
        () -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          outs.add(out);
          JsonGenerator g = JsonLimits.generator(out);
          open.add(g);
          return g;
        });
    List<JsonNode> choices = new ArrayList<>();
    for (int k = 0; k < outs.size(); k++) {
      open.get(k).close();
      JsonNode chunk = new ObjectMapper().readTree(outs.get(k).toByteArray());
      assertEquals(1, chunk.get("choices").size(), chunk.toString());
      choices.add(chunk.get("choices").get(0));
    }
    return choices;
  }

  private static JsonNode only(List<JsonNode> chunks) {
    assertEquals(1, chunks.size(), chunks.toString());
    return chunks.get(0);
  }

  private static Delta delta(String text, FinishReason finish) {
    return new Delta(new int[] {7}, text, List.of(), finish, System.nanoTime());
  }

  @Test
  void eachChoicesRoleComesWithItsFirstTokenAndChoicesOpenInIndexOrder() throws IOException {
    ChatResponses format = new ChatResponses("m", 3, null, false, false, null);
    assertEquals(List.of(), format.openingChunks(), "nothing before the first token");

    // Choice 1 speaks first: choice 0 is opened before it, choice 2 is not.
    List<JsonNode> first = chunks(format, 1, delta("Hel", null));
    assertEquals(2, first.size(), first.toString());
    assertEquals(0, first.get(0).get("index").asInt());
    assertEquals("assistant", first.get(0).get("delta").get("role").asText());
    assertEquals("", first.get(0).get("delta").get("content").asText());
    assertTrue(first.get(0).get("finish_reason").isNull());
    assertEquals(1, first.get(1).get("index").asInt());
    assertEquals("assistant", first.get(1).get("delta").get("role").asText());
    assertEquals("Hel", first.get(1).get("delta").get("content").asText());

    JsonNode second = only(chunks(format, 1, delta("lo", null))).get("delta");
    assertFalse(second.has("role"), second.toString());
    assertEquals("lo", second.get("content").asText());

    // Choice 0, opened already, ends without text: one chunk, the finish reason alone.
    JsonNode end = only(chunks(format, 0, delta("", FinishReason.STOP)));
    assertFalse(end.get("delta").has("role"), end.toString());
    assertEquals("stop", end.get("finish_reason").asText());

    // Choice 2 ends before any text: it still opens with the role and empty content.
    JsonNode other = only(chunks(format, 2, delta("", FinishReason.LENGTH)));
    assertEquals("assistant", other.get("delta").get("role").asText());
    assertEquals("", other.get("delta").get("content").asText());
    assertEquals("length", other.get("finish_reason").asText());
  }

  /** A last delta with text: the text, then the finish reason in a chunk of its own. */
  @Test
  void theFinishReasonFollowsTheLastTextInAChunkOfItsOwn() throws IOException {
    ChatResponses format = new ChatResponses("m", 1, null, false, false, null);
    chunks(format, 0, delta("a", null));
    List<JsonNode> last = chunks(format, 0, delta("b", FinishReason.STOP));
    assertEquals(2, last.size(), last.toString());
    assertEquals("b", last.get(0).get("delta").get("content").asText());
    assertTrue(last.get(0).get("finish_reason").isNull());
    assertEquals(0, last.get(1).get("delta").size(), last.get(1).toString());
    assertEquals("stop", last.get(1).get("finish_reason").asText());
  }

  private static final ToolRequest WEATHER =
      new ToolRequest(List.of(), java.util.Set.of("get_weather"), ToolCallFormat.HERMES, true);

  /**
   * With tools, text streams until a call may start; the calls go out whole in the choice's last
   * chunk with text, each with its index, and then the finish reason tool_calls.
   */
  @Test
  void callsGoOutWholeAfterTheTextThenTheFinishReason() throws IOException {
    ChatResponses format = new ChatResponses("m", 1, null, false, false, WEATHER);
    JsonNode first = only(chunks(format, 0, delta("Checking.<tool", null)));
    assertEquals("Checking.", first.get("delta").get("content").asText());
    assertEquals(
        List.of(),
        chunks(format, 0, delta("_call>{\"name\": \"get_weather\", ", null)),
        "held text makes no chunk");
    List<JsonNode> last =
        chunks(
            format,
            0,
            delta("\"arguments\": {\"city\": \"Oslo\"}}</tool_call>", FinishReason.STOP));
    assertEquals(2, last.size(), last.toString());
    JsonNode calls = last.get(0);
    assertTrue(calls.get("finish_reason").isNull());
    JsonNode call = calls.get("delta").get("tool_calls").get(0);
    assertEquals(0, call.get("index").asInt());
    assertTrue(call.get("id").asText().startsWith("call_"), call.toString());
    assertEquals("function", call.get("type").asText());
    assertEquals("get_weather", call.get("function").get("name").asText());
    assertEquals("{\"city\":\"Oslo\"}", call.get("function").get("arguments").asText());
    assertFalse(calls.get("delta").has("content"), calls.toString());
    assertEquals("tool_calls", last.get(1).get("finish_reason").asText());
  }

  /** Held text that turns out to be no call goes out as content at the end. */
  @Test
  void heldTextThatIsNoCallEndsAsContent() throws IOException {
    ChatResponses format = new ChatResponses("m", 1, null, false, false, WEATHER);
    JsonNode first = only(chunks(format, 0, delta("See <tool_call>oops", null)));
    assertEquals("See ", first.get("delta").get("content").asText());
    List<JsonNode> last = chunks(format, 0, delta(" done", FinishReason.LENGTH));
    assertEquals("<tool_call>oops done", last.get(0).get("delta").get("content").asText());
    assertEquals("length", last.get(1).get("finish_reason").asText());
  }

  @Test
  void aWholeReplyWithCallsHasNullContent() throws IOException {
    ChatResponses format = new ChatResponses("m", 1, null, false, false, WEATHER);
    dev.kernelj.llm.serving.Completion c =
        new dev.kernelj.llm.serving.Completion(
            new int[] {1},
            "<tool_call>{\"name\": \"get_weather\", \"arguments\": {}}</tool_call>",
            List.of(),
            FinishReason.STOP,
            3,
            0,
            0,
            0,
            0,
            List.of());
    JsonNode body = new ObjectMapper().readTree(format.whole(List.of(c), new Usage(3, 1, 0)));
    JsonNode choice = body.get("choices").get(0);
    assertTrue(choice.get("message").get("content").isNull(), choice.toString());
    assertEquals(
        "get_weather",
        choice.get("message").get("tool_calls").get(0).get("function").get("name").asText());
    assertFalse(choice.get("message").get("tool_calls").get(0).has("index"));
    assertEquals("tool_calls", choice.get("finish_reason").asText());
  }
}
