package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose chat template cannot be read still serves what needs no template; chat requests get
 * the reason, as a 400 naming messages.
 */
class UnusableChatTemplateTest {
  @TempDir Path dir;

  @Test
  void completionsServeAndChatSaysWhy() throws Exception {
    Path model = TestServer.writeModel(dir);
    Path config = model.resolve("tokenizer_config.json");
    Files.writeString(
        config,
        Files.readString(config)
            .replace(TestServer.CHAT_TEMPLATE, "{% for m in messages %}{{ m.content }"));
    OpenAiServer server = new OpenAiServer(ServerConfig.defaults().withPort(0).withLog(l -> {}));
    server.start();
    ServingEngineFactory.Opened opened =
        ServingEngineFactory.CONTINUOUS_BATCHING.open(model, TestServer.cpuOptions());
    try {
      ServedModel served = ServedModel.of("m", opened);
      assertNotNull(served.chatTemplate().problem());
      server.ready(served);
      HttpResponse<String> completion =
          RawHttp.post(
              server.url() + "/v1/completions",
              "{\"model\": \"m\", \"prompt\": \"hi\", \"max_tokens\": 2}");
      assertEquals(200, completion.statusCode(), completion.body());
      HttpResponse<String> chat =
          RawHttp.post(
              server.url() + "/v1/chat/completions",
              "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
      assertEquals(400, chat.statusCode(), chat.body());
      String message = RawHttp.json(chat).get("error").get("message").asText();
      assertTrue(
          message.contains("chat template cannot be used") && message.contains("line 1"), message);
    } finally {
      server.shutdown();
      opened.engine().close();
    }
  }
}
