package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.serving.ServingEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server around the requests: health while loading, the API key, body and queue limits, clients
 * that leave, graceful shutdown and the access log.
 */
class ServerLifecycleTest {
  @TempDir static Path dir;

  static final String CHAT = "/v1/chat/completions";
  static final String LONG =
      "{\"max_tokens\": 400, \"ignore_eos\": true, \"messages\": [{\"role\": \"user\","
          + " \"content\": \"go on\"}]}";
  static final String SHORT =
      "{\"max_tokens\": 3, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";

  @Test
  void healthIs503WhileTheModelLoadsThen200() throws Exception {
    try (OpenAiServer bare =
        new OpenAiServer(ServerConfig.defaults().withPort(0).withLog(l -> {}))) {
      bare.start();
      assertEquals(503, RawHttp.get(bare.url() + "/health").statusCode());
      HttpResponse<String> loading = RawHttp.post(bare.url() + CHAT, SHORT);
      assertEquals(503, loading.statusCode());
      assertEquals("model_loading", RawHttp.json(loading).get("error").get("code").asText());
      assertTrue(loading.headers().firstValue("Retry-After").isPresent());
      ServingEngineFactory.Opened opened =
          ServingEngineFactory.CONTINUOUS_BATCHING.open(
              TestServer.writeModel(dir), TestServer.cpuOptions());
      try {
        bare.ready(ServedModel.of("late", opened));
        assertEquals(200, RawHttp.get(bare.url() + "/health").statusCode());
        assertEquals(200, RawHttp.post(bare.url() + CHAT, SHORT).statusCode());
      } finally {
        bare.shutdown();
        opened.engine().close();
      }
    }
  }

  @Test
  void anApiKeyGuardsEverythingButHealth() throws Exception {
    try (TestServer s =
        TestServer.start(dir, c -> c.withApiKey("s3cret"), TestServer.cpuOptions())) {
      assertEquals(200, RawHttp.get(s.url() + "/health").statusCode());
      for (String[] headers :
          new String[][] {{}, {"Authorization", "Bearer wrong"}, {"Authorization", "s3cret"}}) {
        HttpResponse<String> r = RawHttp.post(s.url() + CHAT, SHORT, headers);
        assertEquals(401, r.statusCode(), r.body());
        JsonNode e = RawHttp.json(r).get("error");
        assertEquals("invalid_api_key", e.get("code").asText());
        assertEquals(401, RawHttp.get(s.url() + "/v1/models", headers).statusCode());
        assertEquals(401, RawHttp.get(s.url() + "/metrics", headers).statusCode());
      }
      assertEquals(
          200, RawHttp.post(s.url() + CHAT, SHORT, "Authorization", "Bearer s3cret").statusCode());
    }
  }

  /**
   * Browser clients: a CORS preflight is answered 204 without the key (a browser sends none with
   * it), and the requests after it carry Access-Control-Allow-Origin; the key still guards them.
   */
  @Test
  void browsersMayCallTheApiAcrossOrigins() throws Exception {
    try (TestServer s =
        TestServer.start(dir, c -> c.withApiKey("s3cret"), TestServer.cpuOptions())) {
      HttpRequest preflight =
          HttpRequest.newBuilder(URI.create(s.url() + CHAT))
              .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
              .header("Origin", "http://localhost:3000")
              .header("Access-Control-Request-Method", "POST")
              .header("Access-Control-Request-Headers", "authorization, content-type")
              .build();
      HttpResponse<String> p =
          HttpClient.newHttpClient().send(preflight, HttpResponse.BodyHandlers.ofString());
      assertEquals(204, p.statusCode(), p.body());
      assertEquals("*", p.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
      assertTrue(
          p.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("POST"));
      assertEquals(
          "authorization, content-type",
          p.headers().firstValue("Access-Control-Allow-Headers").orElse(""));

      HttpResponse<String> keyed =
          RawHttp.post(
              s.url() + CHAT, SHORT, "Authorization", "Bearer s3cret", "Origin", "http://a.b");
      assertEquals(200, keyed.statusCode(), keyed.body());
      assertEquals("*", keyed.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
      HttpResponse<String> unkeyed = RawHttp.post(s.url() + CHAT, SHORT, "Origin", "http://a.b");
      assertEquals(401, unkeyed.statusCode());
      assertEquals("*", unkeyed.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
      HttpResponse<String> plain =
          RawHttp.post(s.url() + CHAT, SHORT, "Authorization", "Bearer s3cret");
      assertTrue(plain.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
    }
  }

  @Test
  void anOversizedBodyIs413() throws Exception {
    try (TestServer s =
        TestServer.start(dir, c -> c.withMaxBodyBytes(1024), TestServer.cpuOptions())) {
      String big = "{\"prompt\": \"" + "x".repeat(4096) + "\"}";
      HttpResponse<String> declared = RawHttp.post(s.url() + "/v1/completions", big);
      assertEquals(413, declared.statusCode());
      assertEquals("request_too_large", RawHttp.json(declared).get("error").get("code").asText());
      // Chunked, no length declared: the limit holds while reading.
      HttpRequest chunked =
          HttpRequest.newBuilder(URI.create(s.url() + "/v1/completions"))
              .header("Content-Type", "application/json")
              .POST(
                  HttpRequest.BodyPublishers.ofInputStream(
                      () -> new java.io.ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))))
              .build();
      HttpResponse<String> streamed =
          HttpClient.newHttpClient().send(chunked, HttpResponse.BodyHandlers.ofString());
      assertEquals(413, streamed.statusCode(), streamed.body());
    }
  }

  @Test
  void aFullQueueIs503WithRetryAfter() throws Exception {
    try (TestServer s =
        TestServer.start(
            dir, c -> c, TestServer.cpuOptions().toBuilder().maxWaiting(1).maxNumSeqs(1).build())) {
      ServingEngine engine = s.opened.engine();
      try (Socket running = send(s, LONG, false)) {
        await(() -> engine.stats().running() == 1, "the first request runs");
        try (Socket waiting = send(s, LONG, false)) {
          await(() -> engine.stats().waiting() == 1, "the second request waits");
          HttpResponse<String> full = RawHttp.post(s.url() + CHAT, SHORT);
          assertEquals(503, full.statusCode(), full.body());
          assertEquals("queue_full", RawHttp.json(full).get("error").get("code").asText());
          assertEquals("1", full.headers().firstValue("Retry-After").orElseThrow());
        }
      }
      await(() -> engine.stats().running() == 0 && engine.stats().waiting() == 0, "all gone");
    }
  }

  @Test
  void clientsThatLeaveCancelTheirRequests() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      try (TestServer s = TestServer.start(dir)) {
        ServingEngine engine = s.opened.engine();
        String body = stream ? LONG.replace("{", "{\"stream\": true, ") : LONG;
        Socket client = send(s, body, stream);
        await(() -> engine.stats().running() == 1, "the request runs");
        long generatedBefore = engine.stats().generationTokens();
        client.close();
        await(
            () -> engine.stats().running() == 0 && engine.stats().kvBlocksUsed() == 0,
            "a client that left frees the engine (stream " + stream + ")");
        assertTrue(
            engine.stats().generationTokens() - generatedBefore < 400,
            "cancelled before its 400 tokens");
        await(
            () -> s.log.stream().anyMatch(l -> l.contains("\"POST " + CHAT + "\" 499")),
            "the access log says the client closed");
      }
    }
  }

  @Test
  void shutdownLetsRequestsInFlightFinish() throws Exception {
    TestServer s = TestServer.start(dir, c -> c.withGraceMillis(60_000), TestServer.cpuOptions());
    String body = LONG.replace("400", "40");
    CompletableFuture<HttpResponse<String>> inFlight = RawHttp.postAsync(s.url() + CHAT, body);
    await(() -> s.opened.engine().stats().running() == 1, "the request runs");
    s.close();
    HttpResponse<String> r = inFlight.get(60, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(40, RawHttp.json(r).get("usage").get("completion_tokens").asInt());
  }

  @Test
  void shutdownAbortsWhatOutlastsTheGrace() throws Exception {
    TestServer s =
        TestServer.start(
            dir,
            c -> c.withGraceMillis(200),
            TestServer.cpuOptions().toBuilder().maxNumSeqs(1).build());
    CompletableFuture<HttpResponse<String>> whole = RawHttp.postAsync(s.url() + CHAT, LONG);
    CompletableFuture<HttpResponse<String>> streamed =
        RawHttp.postAsync(s.url() + CHAT, LONG.replace("{", "{\"stream\": true, "));
    await(
        () -> s.opened.engine().stats().running() == 1 && s.opened.engine().stats().waiting() == 1,
        "one request runs, the other waits");
    long start = System.nanoTime();
    s.close();
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "the grace is kept");
    HttpResponse<String> r = whole.get(30, TimeUnit.SECONDS);
    HttpResponse<String> stream = streamed.get(30, TimeUnit.SECONDS);
    HttpResponse<String> plain = r.body().startsWith("data:") ? stream : r;
    HttpResponse<String> events = r.body().startsWith("data:") ? r : stream;
    assertEquals(503, plain.statusCode(), plain.body());
    assertEquals("shutting_down", RawHttp.json(plain).get("error").get("code").asText());
    // The stream had begun: it ends with an error event, then [DONE], and no finish reason.
    String[] chunks = events.body().split("\n\n");
    assertEquals("data: [DONE]", chunks[chunks.length - 1]);
    JsonNode error = RawHttp.JSON.readTree(chunks[chunks.length - 2].substring(6)).get("error");
    assertEquals("shutting_down", error.get("code").asText());
    assertFalse(events.body().contains("\"finish_reason\":\"cancelled\""), events.body());
  }

  @Test
  void shutdownClosesIdleKeepAliveConnectionsWithoutWaiting() throws Exception {
    TestServer s = TestServer.start(dir);
    URI uri = URI.create(s.url());
    try (Socket idle = new Socket(uri.getHost(), uri.getPort())) {
      idle.setSoTimeout(10_000);
      idle.getOutputStream()
          .write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = idle.getInputStream();
      String head = readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 200"), head);
      assertFalse(head.toLowerCase(Locale.ROOT).contains("connection: close"), head);
      int length = Integer.parseInt(head.replaceAll("(?is).*content-length: *([0-9]+).*", "$1"));
      assertEquals(length, in.readNBytes(length).length);
      // The connection now idles, kept alive, as an OpenAI SDK's pool keeps it.
      long start = System.nanoTime();
      s.close();
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(-1, in.read(), "the server closed the idle connection");
      assertTrue(millis < 900, "shutdown took " + millis + " ms with one idle connection open");
      assertFalse(
          s.log.stream().anyMatch(l -> l.contains("did not stop cleanly")), s.log.toString());
    }
  }

  /** Reads an HTTP response's status line and headers, through the blank line. */
  static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        fail("the connection closed inside the response head: " + head);
      }
      head.append((char) b);
    }
    return head.toString();
  }

  @Test
  void accessLinesCountTokensAndKeepPromptsOutUnlessAsked() throws Exception {
    for (boolean logPrompts : new boolean[] {false, true}) {
      try (TestServer s =
          TestServer.start(dir, c -> c.withLogPrompts(logPrompts), TestServer.cpuOptions())) {
        HttpResponse<String> r =
            RawHttp.post(
                s.url() + "/v1/completions",
                "{\"prompt\": \"secret words\", \"max_tokens\": 3, \"ignore_eos\": true}");
        assertEquals(200, r.statusCode());
        await(() -> s.log.stream().anyMatch(l -> l.contains("/v1/completions")), "an access line");
        String line =
            s.log.stream().filter(l -> l.contains("/v1/completions")).findFirst().orElseThrow();
        assertTrue(
            line.matches(
                ".*\"POST /v1/completions\" 200 prompt_tokens=13 completion_tokens=3"
                    + " ttft_ms=[0-9.]+ total_ms=[0-9.]+.*"),
            line);
        assertEquals(logPrompts, line.contains("secret words"), line);
      }
    }
  }

  /** Sends {@code body} on a raw socket and reads the first bytes of the answer when streaming. */
  static Socket send(TestServer s, String body, boolean readFirst) throws Exception {
    Socket socket = send(s, CHAT, body);
    if (readFirst) {
      InputStream in = socket.getInputStream();
      assertTrue(in.read(new byte[64]) > 0, "the stream began");
    }
    return socket;
  }

  /** Sends a POST of {@code body} to {@code path} on a raw socket. */
  static Socket send(TestServer s, String path, String body) throws Exception {
    URI uri = URI.create(s.url());
    Socket socket = new Socket(uri.getHost(), uri.getPort());
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + bytes.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
    return socket;
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    await(condition, () -> what);
  }

  /** Waits up to 20 s for {@code condition}; the failure says what was awaited, as of then. */
  static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting until " + what.get());
      }
      Thread.sleep(10);
    }
  }
}
