package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --reasoning-parser}: a thinking model's reasoning goes to {@code reasoning_content}, whole
 * and streamed, and the answer to {@code content}; without it the text stays in content.
 */
class ReasoningContentTest {
  /** R1's way: the prompt ends inside the thinking. */
  private static final String TEMPLATE =
      "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}<|assistant|><think>\n";

  private static final String[] REPLY = {"Two and", " two.\n</th", "ink>\n\nIt is 4."};
  private static final String CHAT =
      "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"2+2?\"}]";

  @TempDir Path dir;

  @Test
  void theReasoningIsSplitOutWholeAndStreamed() throws Exception {
    try (ScriptedServer server = ScriptedServer.splittingReasoning(dir, "m", TEMPLATE, REPLY)) {
      HttpResponse<String> r = RawHttp.post(server.url() + "/v1/chat/completions", CHAT + "}");
      JsonNode message = RawHttp.json(r).get("choices").get(0).get("message");
      assertEquals("Two and two.\n", message.get("reasoning_content").asText(), r.body());
      assertEquals("It is 4.", message.get("content").asText());

      HttpResponse<String> s =
          RawHttp.post(server.url() + "/v1/chat/completions", CHAT + ", \"stream\": true}");
      StringBuilder reasoning = new StringBuilder();
      StringBuilder content = new StringBuilder();
      for (String event : s.body().split("\n\n")) {
        if (!event.startsWith("data: {")) continue;
        JsonNode delta =
            RawHttp.JSON.readTree(event.substring(6)).get("choices").get(0).get("delta");
        if (delta.has("reasoning_content"))
          reasoning.append(delta.get("reasoning_content").asText());
        if (delta.has("content")) content.append(delta.get("content").asText());
      }
      assertEquals("Two and two.\n", reasoning.toString(), s.body());
      assertEquals("It is 4.", content.toString(), s.body());
    }
  }

  @Test
  void withoutTheParserTheTextStaysInContent() throws Exception {
    try (ScriptedServer server = ScriptedServer.start(dir, "m", TEMPLATE, REPLY)) {
      JsonNode message =
          RawHttp.json(RawHttp.post(server.url() + "/v1/chat/completions", CHAT + "}"))
              .get("choices")
              .get(0)
              .get("message");
      assertFalse(message.has("reasoning_content"), message.toString());
      assertTrue(message.get("content").asText().startsWith("Two and two.\n</think>"));
    }
  }
}
