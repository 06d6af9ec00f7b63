package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.runtime.ContinuousBatchingEngine;
import dev.kernelj.llm.serving.runtime.StandInEngine;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading its stream does not hold up anyone else's: the one thread that writes
 * every stream ({@code streamThreads} 1) leaves the stalled stream's chunks queued and goes on
 * writing the others; when the client reads again it gets every chunk, in order, and the end.
 */
class SlowClientTest {
  private static final int VOCAB = 1000;
  private static final int STALLED_TOKENS = 40_000; // ~7 MB of chunks: more than socket buffers

  @Test
  void aStalledStreamNeitherBlocksTheOthersNorLosesChunks() throws Exception {
    ServingOptions options = ServingOptions.builder().maxNumSeqs(8).build();
    try (ContinuousBatchingEngine engine =
            StandInEngine.open(
                options, null, VOCAB, 50_000, 8_000, 0, 0, StandInEngine.Wait.SLEEP);
        OpenAiServer server =
            new OpenAiServer(
                ServerConfig.defaults().withPort(0).withStreamThreads(1).withLog(l -> {}))) {
      server.start();
      server.ready(
          new ServedModel(
              "stand-in", engine, null, null, SamplingSettings.greedy(), VOCAB, "stand-in", 0));
      try (Socket stalled = new Socket()) {
        stalled.setReceiveBufferSize(2048); // before connecting: a small window
        stalled.connect(new InetSocketAddress("127.0.0.1", server.port()));
        OutputStream out = stalled.getOutputStream();
        out.write(SseLoadClient.post("/v1/completions", "x", body(STALLED_TOKENS)));
        out.flush();
        // Until the stalled stream's generation is over, its chunks wait in queues and buffers.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (engine.stats().generationTokens() < STALLED_TOKENS && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertEquals(STALLED_TOKENS, engine.stats().generationTokens());

        HttpResponse<String> other = RawHttp.post(server.url() + "/v1/completions", body(50));
        assertEquals(200, other.statusCode());
        assertEquals(50, count(other.body(), "\"finish_reason\":null") + 1);
        assertTrue(other.body().endsWith("data: [DONE]\n\n"));

        String stream = new String(readAll(stalled.getInputStream()), StandardCharsets.UTF_8);
        assertEquals(STALLED_TOKENS - 1, count(stream, "\"finish_reason\":null"));
        assertEquals(1, count(stream, "\"finish_reason\":\"length\""));
        assertEquals(1, count(stream, "\"completion_tokens\":" + STALLED_TOKENS));
        assertTrue(stream.endsWith("data: [DONE]\n\n\r\n0\r\n\r\n"), "the stream ends whole");
      }
    }
  }

  private static String body(int tokens) {
    return "{\"prompt\":[1,2,3],\"max_tokens\":"
        + tokens
        + ",\"ignore_eos\":true,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
  }

  /** The response up to the end of its chunked body. */
  private static byte[] readAll(InputStream in) throws Exception {
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[65536];
    for (int n; (n = in.read(buf)) > 0; ) {
      all.write(buf, 0, n);
      if (n >= 7 && new String(buf, n - 7, 7, StandardCharsets.US_ASCII).equals("\r\n0\r\n\r\n")) {
        break;
      }
    }
    return all.toByteArray();
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + what.length())) {
      n++;
    }
    return n;
  }
}
