package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 32 concurrent clients send 1,000 requests: plain and streamed chat and text completions, greedy
 * and seeded, clients that leave midway, malformed bodies and prompts too long for the context.
 * Afterwards nothing runs or waits, no KV block is held, every completed request equals its solo
 * run, and every other got its error.
 */
class LoadAndFaultsTest {
  static final int CLIENTS = 32;
  static final int REQUESTS = 1000;
  static final String[] PROMPTS = {
    "hello",
    "tell me a story",
    "1 2 3 4",
    "why?",
    "the quick brown fox",
    "lorem ipsum dolor",
    "bonjour",
    "x",
    "a longer prompt with several words in it",
    "zzz",
    "ok",
    "42",
    "tabs\tand",
    "new\nline",
    "emoji \u2603",
    "end"
  };
  static final Pattern GAUGE = Pattern.compile("^(kernelj:[a-z_]+)\\{[^}]*} ([0-9.eE+-]+)$");

  @TempDir static Path dir;

  enum Kind {
    PLAIN,
    STREAM,
    SEEDED,
    LEAVE_STREAMING,
    LEAVE_WAITING,
    MALFORMED,
    TOO_LONG
  }

  /** One request of the mix; {@code key} names what its output must equal (null: no output). */
  record Spec(Kind kind, boolean chat, String body, String key) {}

  @Test
  void aThousandMixedRequestsLeaveNothingBehind() throws Exception {
    try (TestServer server = TestServer.start(dir)) {
      List<Spec> specs = mix(new Random(2024));
      Map<String, String> outputs = new ConcurrentHashMap<>();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      AtomicInteger next = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        clients.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement();
                      i < specs.size();
                      i = next.getAndIncrement()) {
                    try {
                      run(server, specs.get(i), outputs);
                    } catch (Throwable t) {
                      failures.add(i + " " + specs.get(i) + ": " + t);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : clients) {
        f.get(10, TimeUnit.MINUTES);
      }
      pool.shutdown();
      assertTrue(failures.isEmpty(), failures.size() + " failed, first: " + failures.peek());

      ServerLifecycleTest.await(
          () -> {
            Map<String, Double> m = metrics(server);
            return m.get("kernelj:num_requests_running") == 0
                && m.get("kernelj:num_requests_waiting") == 0
                && m.get("kernelj:kv_cache_blocks_used") == 0;
          },
          "/metrics shows nothing running, waiting or holding KV blocks");

      // Every client that left was noticed (its request cancelled), and nothing failed inside.
      long leaves =
          specs.stream()
              .filter(s -> s.kind() == Kind.LEAVE_STREAMING || s.kind() == Kind.LEAVE_WAITING)
              .count();
      ServerLifecycleTest.await(
          () -> server.log.stream().filter(l -> l.contains("\" 499 ")).count() == leaves,
          () ->
              leaves
                  + " access lines with status 499 (there are "
                  + server.log.stream().filter(l -> l.contains("\" 499 ")).count()
                  + ")");
      assertTrue(
          server.log.stream().noneMatch(l -> l.matches(".*\" 5\\d\\d .*")),
          "no server errors: " + server.log.stream().filter(l -> l.contains("\" 5")).toList());

      // Every completed request equals its solo run, on the idle server.
      int checked = 0;
      for (Spec s : specs) {
        if (s.key() != null && outputs.containsKey(s.key()) && !outputs.get(s.key()).equals("?")) {
          String solo =
              text(
                  RawHttp.post(server.url() + path(s), s.body().replace("\"stream\": true, ", "")),
                  s.chat());
          assertEquals(solo, outputs.get(s.key()), "solo run of " + s.key());
          outputs.put(s.key(), "?"); // each key once
          checked++;
        }
      }
      assertTrue(checked > 20, "only " + checked + " distinct completed requests");
    }
  }

  static List<Spec> mix(Random random) {
    List<Spec> specs = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      Kind kind = Kind.values()[pick(random, 30, 25, 10, 8, 7, 10, 10)];
      boolean chat = random.nextBoolean();
      String prompt = PROMPTS[random.nextInt(PROMPTS.length)];
      int maxTokens = 4 + 4 * random.nextInt(3);
      String body =
          switch (kind) {
            case PLAIN -> body(chat, prompt, maxTokens, false, null);
            case STREAM -> body(chat, prompt, maxTokens, true, null);
            case SEEDED ->
                body(chat, prompt, maxTokens, random.nextBoolean(), 1L + random.nextInt(3));
            case LEAVE_STREAMING -> leaving(body(chat, prompt, LEAVER_TOKENS, true, null));
            case LEAVE_WAITING -> leaving(body(chat, prompt, LEAVER_TOKENS, false, null));
            case MALFORMED -> malformed(random, chat);
            case TOO_LONG -> body(chat, prompt, 100_000, random.nextBoolean(), null);
          };
      String key =
          switch (kind) {
            case PLAIN, STREAM, SEEDED ->
                chat
                    + "|"
                    + prompt
                    + "|"
                    + maxTokens
                    + "|"
                    + body.contains("seed")
                    + "|"
                    + body.replaceAll(".*\"seed\": (\\d+).*", "$1");
            default -> null;
          };
      specs.add(new Spec(kind, chat, body, key));
    }
    return specs;
  }

  static int pick(Random random, int... weights) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int r = random.nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) {
        return i;
      }
    }
    throw new AssertionError();
  }

  static String body(boolean chat, String prompt, int maxTokens, boolean stream, Long seed) {
    String text = RawHttp.JSON.valueToTree(prompt).toString();
    String input =
        chat
            ? "\"messages\": [{\"role\": \"user\", \"content\": " + text + "}]"
            : "\"prompt\": " + text;
    String sampling =
        seed == null ? "\"temperature\": 0" : "\"temperature\": 0.8, \"seed\": " + seed;
    return "{"
        + (stream ? "\"stream\": true, " : "")
        + "\"max_tokens\": "
        + maxTokens
        + ", "
        + sampling
        + ", "
        + input
        + "}";
  }

  /**
   * Tokens a leaving client asks for, past any EOS: more than the tiny model can generate before
   * the client goes (at 0.1 ms a step, 40 ms against a wait of at most 20 ms), so that every leaver
   * is a cancellation (499) and none a completion, however fast the machine.
   */
  static final int LEAVER_TOKENS = 400;

  /** The body with {@code ignore_eos} as its first field (only the outer object gets it). */
  static String leaving(String body) {
    return "{\"ignore_eos\": true, " + body.substring(1);
  }

  static String malformed(Random random, boolean chat) {
    String[] bad = {
      "{\"messages\": [",
      "{\"prompt\": \"x\", \"temperature\": \"warm\"}",
      "{\"prompt\": \"x\", \"max_tokens\": 0, \"messages\": []}",
      "{\"prompt\": \"x\", \"top_p\": 7, \"messages\": [{\"role\": \"user\", \"content\": \"y\"}]}",
      "not json at all",
      "{\"prompt\": \"x\", \"n\": -1, \"messages\": [{\"role\": \"user\", \"content\": \"y\"}]}",
    };
    return bad[random.nextInt(bad.length)];
  }

  static String path(Spec s) {
    return s.chat() ? "/v1/chat/completions" : "/v1/completions";
  }

  static void run(TestServer server, Spec s, Map<String, String> outputs) throws Exception {
    switch (s.kind()) {
      case LEAVE_STREAMING, LEAVE_WAITING -> leave(server, s);
      case MALFORMED, TOO_LONG -> {
        HttpResponse<String> r = RawHttp.post(server.url() + path(s), s.body());
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(RawHttp.json(r).get("error").has("message"));
      }
      default -> {
        HttpResponse<String> r = RawHttp.post(server.url() + path(s), s.body());
        assertEquals(200, r.statusCode(), r.body());
        String text =
            s.body().contains("\"stream\": true") ? streamedText(r, s.chat()) : text(r, s.chat());
        String before = outputs.putIfAbsent(s.key(), text);
        assertTrue(before == null || before.equals(text), "the same request gave two outputs");
      }
    }
  }

  /** Sends the request on a socket and closes it midway: after output began, or while waiting. */
  static void leave(TestServer server, Spec s) throws Exception {
    try (Socket socket = ServerLifecycleTest.send(server, path(s), s.body())) {
      if (s.kind() == Kind.LEAVE_STREAMING) {
        InputStream in = socket.getInputStream();
        StringBuilder seen = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (countOf(seen, "data: ") < 3) { // the role chunk, then generated text
          int n = in.read(buffer);
          if (n < 0) {
            throw new AssertionError("the stream ended before the client left: " + seen);
          }
          seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
      } else {
        Thread.sleep(5 + (s.body().hashCode() & 15));
      }
    }
  }

  static int countOf(CharSequence text, String what) {
    return text.toString().split(what, -1).length - 1;
  }

  static String text(HttpResponse<String> r, boolean chat) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    JsonNode choice = RawHttp.json(r).get("choices").get(0);
    return chat ? choice.get("message").get("content").asText() : choice.get("text").asText();
  }

  static String streamedText(HttpResponse<String> r, boolean chat) throws Exception {
    StringBuilder text = new StringBuilder();
    String[] events = r.body().split("\n\n");
    assertEquals("data: [DONE]", events[events.length - 1]);
    for (int i = 0; i < events.length - 1; i++) {
      JsonNode choice = RawHttp.JSON.readTree(events[i].substring(6)).get("choices").get(0);
      JsonNode piece = chat ? choice.get("delta").get("content") : choice.get("text");
      if (piece != null) {
        text.append(piece.asText());
      }
    }
    return text.toString();
  }

  static Map<String, Double> metrics(TestServer server) {
    try {
      Map<String, Double> values = new ConcurrentHashMap<>();
      for (String line : RawHttp.get(server.url() + "/metrics").body().split("\n")) {
        Matcher m = GAUGE.matcher(line);
        if (m.matches()) {
          values.put(m.group(1), Double.parseDouble(m.group(2)));
        }
      }
      return values;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
