package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    ChatResponses format = new ChatResponses("m", 2, null, false, false);
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
}
