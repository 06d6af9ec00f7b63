package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.runtime.ContinuousBatchingEngine;
import dev.kernelj.llm.serving.runtime.StandInEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A request holds no HTTP thread while the engine generates it: a server of 16 threads has 48
 * generations, streamed and not, on the engine at once, and answers each in full. (With a handler
 * thread asleep per request, as before, at most the pool's free threads' worth of requests reached
 * the engine and the rest queued in front of it.)
 */
class ThreadlessRequestsTest {
  private static final int VOCAB = 1000;
  private static final int REQUESTS = 48;
  // 2 s at 2 ms steps: every request arrives while the first still runs.
  private static final int TOKENS = 1000;

  @Test
  void moreGenerationsRunAtOnceThanTheServerHasThreads() throws Exception {
    ServingOptions options = ServingOptions.builder().maxNumSeqs(64).build();
    long stepNanos = TimeUnit.MILLISECONDS.toNanos(2);
    try (ContinuousBatchingEngine engine =
            StandInEngine.open(
                options, null, VOCAB, 1024, 4096, stepNanos, 0, StandInEngine.Wait.SLEEP);
        OpenAiServer server =
            new OpenAiServer(
                ServerConfig.defaults().withPort(0).withMaxThreads(16).withLog(l -> {}));
        SseLoadClient client = new SseLoadClient("127.0.0.1", portOf(server), 2)) {
      server.ready(
          new ServedModel(
              "stand-in", engine, null, null, SamplingSettings.greedy(), VOCAB, "stand-in", 0));
      String hostPort = "127.0.0.1:" + server.port();
      List<CompletableFuture<SseLoadClient.Call>> streams = new ArrayList<>();
      List<CompletableFuture<HttpResponse<String>>> wholes = new ArrayList<>();
      HttpClient http = HttpClient.newHttpClient();
      for (int i = 0; i < REQUESTS; i++) {
        if (i % 2 == 0) {
          byte[] post = SseLoadClient.post("/v1/completions", hostPort, body(true));
          streams.add(client.send(new SseLoadClient.Call(post)));
        } else {
          HttpRequest post =
              HttpRequest.newBuilder(URI.create(server.url() + "/v1/completions"))
                  .POST(HttpRequest.BodyPublishers.ofString(body(false)))
                  .build();
          wholes.add(http.sendAsync(post, HttpResponse.BodyHandlers.ofString()));
        }
      }
      int most = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (most < REQUESTS && System.nanoTime() < deadline) {
        most = Math.max(most, engine.stats().running());
        Thread.sleep(1);
      }
      assertEquals(REQUESTS, most, "generations on the engine at once");
      for (CompletableFuture<SseLoadClient.Call> f : streams) {
        SseLoadClient.Call c = f.get(60, TimeUnit.SECONDS);
        assertNull(c.error);
        assertEquals(TOKENS, c.usageTokens);
        assertEquals(TOKENS, c.tokenEvents);
      }
      for (CompletableFuture<HttpResponse<String>> f : wholes) {
        HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"completion_tokens\":" + TOKENS), r.body());
      }
      assertEquals(0, engine.stats().running());
    }
  }

  /** Starts the server and gives its port (the client needs it before the server is ready). */
  private static int portOf(OpenAiServer server) throws Exception {
    server.start();
    return server.port();
  }

  /** A streamed request (usage included) or a whole one; both end with their usage. */
  private static String body(boolean stream) {
    return "{\"prompt\":[1,2,3],\"max_tokens\":"
        + TOKENS
        + ",\"ignore_eos\":true,\"stream\":"
        + stream
        + (stream ? ",\"stream_options\":{\"include_usage\":true}}" : "}");
  }
}
