package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.chat.ChatMessage;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kernelj serve} on the CUDA backend over plain HTTP (the OpenAI SDK's 76 MB jar does not
 * fit the GPU bundle): chat and completions, streamed and whole, token-id prompts, logprobs and
 * seeded choices, each checked against the same engine alone. Skips without a GPU.
 */
@Tag("gpu")
class CudaServerTest {
  @TempDir static Path dir;
  static TestServer server;
  static Oracle oracle;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.startOnGpu(dir);
    oracle = new Oracle(server);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return RawHttp.post(server.url() + path, body);
  }

  @Test
  void chatWholeAndStreamedIsTheEnginesGreedyReply() throws Exception {
    String body =
        "{\"max_tokens\": 16, \"temperature\": 0, \"messages\": [{\"role\": \"user\","
            + " \"content\": \"hello gpu\"}]}";
    String expected =
        oracle.greedy(oracle.chatIds(List.of(ChatMessage.user("hello gpu"))), 16).text();
    assertEquals(expected, LoadAndFaultsTest.text(post("/v1/chat/completions", body), true));
    assertEquals(
        expected,
        LoadAndFaultsTest.streamedText(
            post("/v1/chat/completions", body.replace("{", "{\"stream\": true, ")), true));
  }

  @Test
  void completionsOfTokenIdsWithLogprobs() throws Exception {
    int[] ids = {256, 10, 20, 30, 40};
    HttpResponse<String> r =
        post(
            "/v1/completions",
            "{\"prompt\": [256, 10, 20, 30, 40], \"max_tokens\": 8, \"temperature\": 0,"
                + " \"logprobs\": 3}");
    JsonNode choice = RawHttp.json(r).get("choices").get(0);
    var expected = oracle.withLogprobs(ids, 8, 3, -1);
    assertEquals(expected.text(), choice.get("text").asText());
    JsonNode values = choice.get("logprobs").get("token_logprobs");
    for (int i = 0; i < expected.logprobs().size(); i++) {
      assertEquals(expected.logprobs().get(i).logprob(), values.get(i).asDouble(), 1e-6);
    }
  }

  @Test
  void seededChoicesAreReproducible() throws Exception {
    String body =
        "{\"prompt\": \"seeds\", \"max_tokens\": 12, \"temperature\": 0.9, \"n\": 3, \"seed\": 11}";
    List<String> first = texts(post("/v1/completions", body));
    assertEquals(first, texts(post("/v1/completions", body)));
    assertNotEquals(first, texts(post("/v1/completions", body.replace("11", "12"))));
    for (int i = 0; i < 3; i++) {
      assertEquals(oracle.sampled(oracle.textIds("seeds"), 12, 0.9, 11 + i).text(), first.get(i));
    }
  }

  static List<String> texts(HttpResponse<String> r) throws Exception {
    List<String> out = new ArrayList<>();
    for (JsonNode c : RawHttp.json(r).get("choices")) {
      out.add(c.get("text").asText());
    }
    return out;
  }
}
