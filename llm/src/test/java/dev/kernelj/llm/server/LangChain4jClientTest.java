package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.chat.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LangChain4j's OpenAI chat and streaming models against {@code kernelj serve}, with a key. */
class LangChain4jClientTest {
  static final String KEY = "lc4j-secret";

  @TempDir static Path dir;
  static TestServer server;
  static Oracle oracle;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dir, c -> c.withApiKey(KEY), TestServer.cpuOptions());
    oracle = new Oracle(server);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static ChatRequest request(String user) {
    return ChatRequest.builder()
        .messages(SystemMessage.from("answer in bytes"), UserMessage.from(user))
        .build();
  }

  static int[] ids(String user) {
    return oracle.chatIds(List.of(ChatMessage.system("answer in bytes"), ChatMessage.user(user)));
  }

  @Test
  void chatModelGetsTheEnginesReply() throws Exception {
    OpenAiChatModel model =
        OpenAiChatModel.builder()
            .baseUrl(server.url() + "/v1")
            .apiKey(KEY)
            .modelName(TestServer.MODEL_NAME)
            .temperature(0.0)
            .maxTokens(10)
            .timeout(Duration.ofSeconds(60))
            .build();
    ChatResponse response = model.chat(request("what is up"));
    var expected = oracle.greedy(ids("what is up"), 10);
    assertEquals(expected.text(), response.aiMessage().text());
    assertEquals(ids("what is up").length, response.tokenUsage().inputTokenCount());
    assertEquals(expected.tokenIds().length, response.tokenUsage().outputTokenCount());
    assertEquals(
        expected.tokenIds().length == 10 ? FinishReason.LENGTH : FinishReason.STOP,
        response.finishReason());
  }

  @Test
  void streamingModelStreamsTheSameReply() throws Exception {
    OpenAiStreamingChatModel model =
        OpenAiStreamingChatModel.builder()
            .baseUrl(server.url() + "/v1")
            .apiKey(KEY)
            .modelName(TestServer.MODEL_NAME)
            .temperature(0.0)
            .maxTokens(12)
            .timeout(Duration.ofSeconds(60))
            .build();
    StringBuilder partials = new StringBuilder();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    model.chat(
        request("stream it"),
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String partial) {
            partials.append(partial);
          }

          @Override
          public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    ChatResponse response = done.get(60, TimeUnit.SECONDS);
    String expected = oracle.greedy(ids("stream it"), 12).text();
    assertEquals(expected, partials.toString());
    assertEquals(expected, response.aiMessage().text());
    assertTrue(response.tokenUsage() != null && response.tokenUsage().inputTokenCount() > 0);
  }

  @Test
  void aWrongKeyIsRefused() {
    OpenAiChatModel model =
        OpenAiChatModel.builder()
            .baseUrl(server.url() + "/v1")
            .apiKey("wrong")
            .modelName(TestServer.MODEL_NAME)
            .maxRetries(0)
            .build();
    RuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            RuntimeException.class, () -> model.chat(request("hi")));
    assertTrue(
        e.getMessage().contains("API key")
            || e.getClass().getSimpleName().contains("Authentication"),
        e.toString());
  }
}
