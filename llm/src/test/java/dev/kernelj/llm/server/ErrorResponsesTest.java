package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every error of the API over raw HTTP: the status, OpenAI's error object ({@code message}, {@code
 * type}, {@code param}, {@code code}) and never a stack trace.
 */
class ErrorResponsesTest {
  @TempDir static Path dir;
  static TestServer server;

  static final String CHAT = "/v1/chat/completions";
  static final String COMPLETIONS = "/v1/completions";
  static final String MESSAGES = "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]";

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dir);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** The error object of {@code r}, after checking its shape and that nothing leaked. */
  static JsonNode error(HttpResponse<String> r, int status) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    assertFalse(r.body().contains("\tat ") || r.body().contains("Exception"), r.body());
    JsonNode error = RawHttp.json(r).get("error");
    for (String field : List.of("message", "type", "param", "code")) {
      assertTrue(error.has(field), "error." + field + " in " + r.body());
    }
    assertTrue(error.get("message").isTextual() && !error.get("message").asText().isBlank());
    return error;
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return RawHttp.post(server.url() + path, body);
  }

  /**
   * Paths as clients build them: a base URL with a trailing slash doubles a slash, a route may end
   * in one, openai-node encodes the slash of a model id ({@code models.retrieve("org/m")}); and
   * what Jetty refuses before the routes is OpenAI's error object too, not Jetty's HTML page.
   */
  @Test
  void pathsAsClientsBuildThem() throws Exception {
    HttpResponse<String> doubled = post("/" + CHAT, "{\"max_tokens\": 1, " + MESSAGES + "}");
    assertEquals(200, doubled.statusCode(), doubled.body());
    assertEquals(200, RawHttp.get(server.url() + "/v1/models/").statusCode());

    OpenAiServer named = new OpenAiServer(ServerConfig.defaults().withPort(0));
    named.start();
    ServingEngineFactory.Opened opened =
        ServingEngineFactory.CONTINUOUS_BATCHING.open(
            TestServer.writeModel(dir), TestServer.cpuOptions());
    try {
      named.ready(ServedModel.of("org/tiny-chat", opened));
      HttpResponse<String> r = RawHttp.get(named.url() + "/v1/models/org%2Ftiny-chat");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("org/tiny-chat", RawHttp.json(r).get("id").asText());
    } finally {
      named.shutdown();
      opened.engine().close();
    }

    String raw = rawRequest("GET /v1/models/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
    assertTrue(raw.contains("Content-Type: application/json"), raw);
    String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
    JsonNode error = RawHttp.JSON.readTree(body).get("error");
    assertEquals("invalid_request_error", error.get("type").asText(), body);
    assertTrue(error.get("message").asText().startsWith("Bad Request"), body);
  }

  /** {@code request} written as is on a new connection; the whole response. */
  private static String rawRequest(String request) throws Exception {
    java.net.URI url = java.net.URI.create(server.url());
    try (java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort())) {
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return new String(
          socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void malformedJsonIsA400() throws Exception {
    JsonNode e = error(post(CHAT, "{\"messages\": [}"), 400);
    assertTrue(e.get("message").asText().contains("malformed JSON at byte 14"), e.toString());
    assertEquals("invalid_request_error", e.get("type").asText());
    error(post(CHAT, "[1, 2]"), 400);
    error(post(CHAT, ""), 400);
    JsonNode twice =
        error(post(CHAT, "{\"temperature\": 0, \"temperature\": 1, " + MESSAGES + "}"), 400);
    assertEquals("temperature", twice.get("param").asText(), twice.toString());
    assertTrue(twice.get("message").asText().contains("duplicate key"), twice.toString());
    JsonNode more = error(post(CHAT, "{" + MESSAGES + "} {\"and\": \"more\"}"), 400);
    assertTrue(more.get("message").asText().contains("after the JSON value"), more.toString());
    JsonNode deep = error(post(CHAT, "{\"x\": " + "[".repeat(10_000) + "}"), 400);
    assertTrue(deep.get("message").asText().contains("nested deeper than 64"), deep.toString());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"temperature\": \"hot\"|temperature",
        "\"temperature\": -0.5|temperature",
        "\"top_p\": -0.5|top_p",
        "\"top_p\": 1.5|top_p",
        "\"top_k\": -2|top_k",
        "\"min_p\": 1.5|min_p",
        "\"n\": 0|n",
        "\"n\": 2.5|n",
        "\"max_tokens\": 0|max_tokens",
        "\"max_completion_tokens\": -3|max_completion_tokens",
        "\"max_tokens\": 1.5|max_tokens",
        "\"presence_penalty\": 2.5|presence_penalty",
        "\"frequency_penalty\": -3|frequency_penalty",
        "\"repetition_penalty\": 0|repetition_penalty",
        "\"stream\": \"yes\"|stream",
        "\"stop\": 5|stop",
        "\"stop\": [\"\"]|stop",
        "\"stop_token_ids\": [99999]|stop_token_ids",
        "\"seed\": \"x\"|seed",
        "\"logprobs\": true, \"top_logprobs\": 21|top_logprobs",
        "\"top_logprobs\": 2|top_logprobs",
        "\"stream_options\": {\"include_usage\": true}|stream_options",
        "\"logit_bias\": {\"5\": 10}|logit_bias",
        "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]|tools",
        "\"functions\": [{\"name\": \"f\"}]|functions",
        "\"functions\": [{\"name\": \"f\"}], \"function_call\": \"auto\"|functions",
      })
  void wrongTypesAndOutOfRangeValuesNameTheField(String field, String param) throws Exception {
    JsonNode e = error(post(CHAT, "{" + field + ", " + MESSAGES + "}"), 400);
    assertEquals(param, e.get("param").asText(), e.toString());
    assertTrue(e.get("message").asText().contains(param), e.toString());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"prompt\": \"hi\", \"logprobs\": 21|logprobs",
        "\"prompt\": \"hi\", \"logprobs\": -1|logprobs",
        "\"prompt\": []|prompt",
        "\"prompt\": [[]]|prompt",
        "\"prompt\": [1, \"a\"]|prompt",
        "\"prompt\": [300]|prompt",
        "\"prompt\": [-1]|prompt",
        "\"max_tokens\": 4|prompt",
        "\"prompt\": 7|prompt",
        "\"prompt\": \"hi\", \"suffix\": \"x\"|suffix",
        "\"prompt\": \"hi\", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]|tools",
      })
  void completionsFieldsAreCheckedToo(String field, String param) throws Exception {
    JsonNode e = error(post(COMPLETIONS, "{" + field + "}"), 400);
    assertTrue(e.get("param").asText().startsWith(param), e.toString());
  }

  @Test
  void messagesMustBeWellFormed() throws Exception {
    error(post(CHAT, "{\"messages\": []}"), 400);
    error(post(CHAT, "{\"messages\": \"hi\"}"), 400);
    JsonNode role =
        error(post(CHAT, "{\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}"), 400);
    assertEquals("messages[0].role", role.get("param").asText());
    JsonNode image =
        error(
            post(
                CHAT,
                "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\","
                    + " \"image_url\": {\"url\": \"x\"}}]}]}"),
            400);
    assertEquals("messages[0].content[0]", image.get("param").asText());
  }

  @Test
  void promptPlusMaxTokensBeyondTheContextGivesBothNumbers() throws Exception {
    JsonNode e =
        error(post(COMPLETIONS, "{\"prompt\": [1, 2, 3, 4, 5], \"max_tokens\": 510}"), 400);
    String message = e.get("message").asText();
    assertTrue(message.contains("512") && message.contains("515"), message);
    assertTrue(
        message.contains("5 in the prompt") && message.contains("510 in the completion"), message);
    assertEquals("max_tokens", e.get("param").asText());
    JsonNode newer = error(post(CHAT, "{\"max_completion_tokens\": 5000, " + MESSAGES + "}"), 400);
    assertEquals("max_completion_tokens", newer.get("param").asText(), newer.toString());
    StringBuilder longPrompt = new StringBuilder();
    for (int i = 0; i < 600; i++) {
      longPrompt.append(i == 0 ? "" : ", ").append(65);
    }
    JsonNode full = error(post(COMPLETIONS, "{\"prompt\": [" + longPrompt + "]}"), 400);
    assertTrue(full.get("message").asText().contains("600"), full.toString());
  }

  /** A token-id list is one prompt, however long; only a list of prompts is capped at 1024. */
  @Test
  void aLongTokenIdPromptIsOnePromptAndManyPromptsAreCapped() throws Exception {
    String ids = String.join(", ", Collections.nCopies(1100, "65"));
    JsonNode tooLongError = error(post(COMPLETIONS, "{\"prompt\": [" + ids + "]}"), 400);
    String tooLong = tooLongError.toString();
    assertTrue(tooLong.contains("1100") && tooLong.contains("512"), tooLong);
    assertEquals("prompt", tooLongError.get("param").asText(), tooLong);
    assertFalse(tooLong.contains("prompts per request"), tooLong);
    String texts = String.join(", ", Collections.nCopies(1025, "\"a\""));
    String many = error(post(COMPLETIONS, "{\"prompt\": [" + texts + "]}"), 400).toString();
    assertTrue(many.contains("at most 1024 prompts"), many);
  }

  @Test
  void unknownModelsAndRoutesAre404AndWrongMethods405() throws Exception {
    JsonNode model = error(post(CHAT, "{\"model\": \"gpt-9\", " + MESSAGES + "}"), 404);
    assertEquals("model_not_found", model.get("code").asText());
    assertEquals("model", model.get("param").asText());
    error(RawHttp.get(server.url() + "/v1/models/gpt-9"), 404);
    error(RawHttp.get(server.url() + "/v1/embeddings"), 404);
    error(RawHttp.get(server.url() + CHAT), 405);
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    HttpResponse<String> r =
        post(
            CHAT,
            "{\"max_tokens\": 2, \"user\": \"me\", \"metadata\": {\"a\": 1}, \"x_future\": [1],"
                + MESSAGES
                + "}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(2, RawHttp.json(r).get("usage").get("completion_tokens").asInt());
  }

  /** top_p 0, which OpenAI takes, keeps the most likely token alone: the greedy reply. */
  @Test
  void topPZeroSamplesTheGreedyReply() throws Exception {
    String greedy =
        RawHttp.json(
                post(
                    CHAT,
                    "{\"max_tokens\": 6, \"ignore_eos\": true, \"temperature\": 0, "
                        + MESSAGES
                        + "}"))
            .get("choices")
            .get(0)
            .get("message")
            .get("content")
            .asText();
    for (int seed = 1; seed <= 3; seed++) {
      HttpResponse<String> r =
          post(
              CHAT,
              "{\"max_tokens\": 6, \"ignore_eos\": true, \"temperature\": 1.5, \"top_p\": 0,"
                  + " \"seed\": "
                  + seed
                  + ", "
                  + MESSAGES
                  + "}");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(
          greedy,
          RawHttp.json(r).get("choices").get(0).get("message").get("content").asText(),
          "seed " + seed);
    }
  }

  /** Tools (or functions) a request says not to call are no reason to refuse it. */
  @Test
  void toolsThatMayNotBeCalledAreAccepted() throws Exception {
    String tool = "{\"type\": \"function\", \"function\": {\"name\": \"f\"}}";
    for (String fields :
        List.of(
            "\"tools\": [" + tool + "], \"tool_choice\": \"none\"",
            "\"functions\": [{\"name\": \"f\"}], \"function_call\": \"none\"",
            "\"tools\": []")) {
      HttpResponse<String> r = post(CHAT, "{\"max_tokens\": 1, " + fields + ", " + MESSAGES + "}");
      assertEquals(200, r.statusCode(), fields + ": " + r.body());
    }
  }

  @Test
  void streamsAreServerSentEventsEndingInDone() throws Exception {
    HttpResponse<String> r =
        post(CHAT, "{\"stream\": true, \"max_tokens\": 5, \"ignore_eos\": true, " + MESSAGES + "}");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    String[] events = r.body().split("\n\n");
    assertEquals("data: [DONE]", events[events.length - 1]);
    StringBuilder text = new StringBuilder();
    int finishes = 0;
    String lastFinish = null;
    for (int i = 0; i < events.length - 1; i++) {
      assertTrue(events[i].startsWith("data: {"), events[i]);
      JsonNode chunk = RawHttp.JSON.readTree(events[i].substring(6));
      assertEquals("chat.completion.chunk", chunk.get("object").asText());
      JsonNode choice = chunk.get("choices").get(0);
      if (choice.get("delta").has("content")) {
        text.append(choice.get("delta").get("content").asText());
      }
      if (!choice.get("finish_reason").isNull()) {
        finishes++;
        lastFinish = choice.get("finish_reason").asText();
      }
    }
    assertEquals(1, finishes);
    assertEquals("length", lastFinish);
    HttpResponse<String> whole =
        post(CHAT, "{\"max_tokens\": 5, \"ignore_eos\": true, " + MESSAGES + "}");
    assertEquals(
        RawHttp.json(whole).get("choices").get(0).get("message").get("content").asText(),
        text.toString());
  }

  @Test
  void tokenizeAndDetokenizeRoundTrip() throws Exception {
    HttpResponse<String> t = post("/tokenize", "{\"prompt\": \"hello\"}");
    assertEquals(200, t.statusCode(), t.body());
    JsonNode tokens = RawHttp.json(t);
    assertEquals(6, tokens.get("count").asInt(), "BOS and five bytes");
    assertEquals(512, tokens.get("max_model_len").asInt());
    HttpResponse<String> d =
        post("/detokenize", "{\"tokens\": " + tokens.get("tokens").toString() + "}");
    assertEquals("<s>hello", RawHttp.json(d).get("prompt").asText());
    HttpResponse<String> chat = post("/tokenize", "{" + MESSAGES + "}");
    assertEquals(
        new Oracle(server).chatIds(List.of(dev.kernelj.llm.chat.ChatMessage.user("hi"))).length,
        RawHttp.json(chat).get("count").asInt());
    error(post("/detokenize", "{\"tokens\": [1, 99999]}"), 400);
    error(post("/tokenize", "{}"), 400);
  }
}
