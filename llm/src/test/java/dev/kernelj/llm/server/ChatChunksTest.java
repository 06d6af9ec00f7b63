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
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chunks of a chat stream: each choice's role goes out in the chunk of its first token, not
 * when the stream opens (a client that times the first chunk with choices, as vLLM's benchmark
 * does, would count the queue and the prefill as the first gap between tokens otherwise).
 */
class ChatChunksTest {
  private static JsonNode chunk(ChatResponses format, int index, Delta d) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JsonLimits.generator(out)) {
      assertTrue(format.writeDeltaChunk(index, d, g));
    }
    return new ObjectMapper().readTree(out.toByteArray());
  }

  private static Delta delta(String text, FinishReason finish) {
    return new Delta(new int[] {7}, text, List.of(), finish, System.nanoTime());
  }

  @Test
  void eachChoicesRoleComesWithItsFirstToken() throws IOException {
    ChatResponses format = new ChatResponses("m", 2, null, false, false, null);
    assertEquals(List.of(), format.openingChunks(), "nothing before the first token");

    JsonNode first = chunk(format, 1, delta("Hel", null)).get("choices").get(0);
    assertEquals(1, first.get("index").asInt());
    assertEquals("assistant", first.get("delta").get("role").asText());
    assertEquals("Hel", first.get("delta").get("content").asText());

    JsonNode second = chunk(format, 1, delta("lo", null)).get("choices").get(0).get("delta");
    assertFalse(second.has("role"), second.toString());
    assertEquals("lo", second.get("content").asText());

    // A choice that ends before any text still opens with the role and empty content.
    JsonNode other = chunk(format, 0, delta("", FinishReason.STOP)).get("choices").get(0);
    assertEquals("assistant", other.get("delta").get("role").asText());
    assertEquals("", other.get("delta").get("content").asText());
    assertEquals("stop", other.get("finish_reason").asText());
  }

  private static final ToolRequest WEATHER =
      new ToolRequest(List.of(), java.util.Set.of("get_weather"), ToolCallFormat.HERMES, true);

  /**
   * With tools, text streams until a call may start; the calls go out in the last chunk, each with
   * its index, and the finish reason is tool_calls.
   */
  @Test
  void callsGoOutWholeInTheLastChunk() throws IOException {
    ChatResponses format = new ChatResponses("m", 1, null, false, false, WEATHER);
    JsonNode first = chunk(format, 0, delta("Checking.<tool", null)).get("choices").get(0);
    assertEquals("Checking.", first.get("delta").get("content").asText());
    ByteArrayOutputStream none = new ByteArrayOutputStream();
    try (JsonGenerator g = JsonLimits.generator(none)) {
      assertFalse(
          format.writeDeltaChunk(0, delta("_call>{\"name\": \"get_weather\", ", null), g),
          "held text makes no chunk");
    }
    JsonNode last =
        chunk(
                format,
                0,
                delta("\"arguments\": {\"city\": \"Oslo\"}}</tool_call>", FinishReason.STOP))
            .get("choices")
            .get(0);
    assertEquals("tool_calls", last.get("finish_reason").asText());
    JsonNode call = last.get("delta").get("tool_calls").get(0);
    assertEquals(0, call.get("index").asInt());
    assertTrue(call.get("id").asText().startsWith("call_"), call.toString());
    assertEquals("function", call.get("type").asText());
    assertEquals("get_weather", call.get("function").get("name").asText());
    assertEquals("{\"city\":\"Oslo\"}", call.get("function").get("arguments").asText());
    assertFalse(last.get("delta").has("content"), last.toString());
  }

  /** Held text that turns out to be no call goes out as content at the end. */
  @Test
  void heldTextThatIsNoCallEndsAsContent() throws IOException {
    ChatResponses format = new ChatResponses("m", 1, null, false, false, WEATHER);
    JsonNode first = chunk(format, 0, delta("See <tool_call>oops", null)).get("choices").get(0);
    assertEquals("See ", first.get("delta").get("content").asText());
    JsonNode last = chunk(format, 0, delta(" done", FinishReason.LENGTH)).get("choices").get(0);
    assertEquals("<tool_call>oops done", last.get("delta").get("content").asText());
    assertEquals("length", last.get("finish_reason").asText());
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
