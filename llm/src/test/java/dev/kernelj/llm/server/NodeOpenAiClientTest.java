package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.chat.ChatMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official {@code openai} npm client (Node.js) against {@code kernelj serve}: the script {@code
 * src/test/node/openai-client.cjs} calls every endpoint it has and prints what it got. The package
 * is installed once with npm under {@code ~/.cache/kernelj/npm}; the test skips only when Node.js
 * is missing or the npm registry cannot be reached.
 */
class NodeOpenAiClientTest {
  /** The newest line of the client that runs on Node 20 (7.x wants Node 22). */
  static final String OPENAI_NPM = "openai@6.30.1";

  static final Path SCRIPT = Path.of("src/test/node/openai-client.cjs");

  @TempDir static Path dir;

  @Test
  void theOpenAiNpmClientGetsWhatTheEngineGenerates() throws Exception {
    Assumptions.assumeTrue(runs("node", "--version"), "Node.js is not on the PATH");
    Path modules = install();
    try (TestServer server = TestServer.start(dir)) {
      Oracle oracle = new Oracle(server);
      ProcessBuilder node = new ProcessBuilder("node", SCRIPT.toAbsolutePath().toString());
      node.environment().put("NODE_PATH", modules.toString());
      node.environment().put("BASE_URL", server.url() + "/v1");
      node.environment().put("API_KEY", "unused");
      node.environment().put("MODEL", TestServer.MODEL_NAME);
      Result r = run(node, 120);
      assertEquals(0, r.code(), r.err());
      JsonNode out = RawHttp.JSON.readTree(r.out());

      int[] chatIds =
          oracle.chatIds(
              List.of(ChatMessage.system("be brief"), ChatMessage.user("hello from node")));
      String chat = oracle.greedy(chatIds, 10).text();
      assertEquals(chat, out.get("chat").get("text").asText());
      assertEquals(chatIds.length, out.get("chat").get("usage").get("prompt_tokens").asInt());
      assertEquals(chat, out.get("chatStream").get("text").asText());
      JsonNode usage = out.get("chat").get("usage");
      JsonNode streamUsage = out.get("chatStream").get("usage");
      for (String field : List.of("prompt_tokens", "completion_tokens", "total_tokens")) {
        assertEquals(usage.get(field), streamUsage.get(field), field);
      }
      // The same conversation again: its full KV blocks come from the prefix cache.
      int cached = (chatIds.length - 1) / 16 * 16;
      assertEquals(cached, streamUsage.get("prompt_tokens_details").get("cached_tokens").asInt());
      assertEquals(
          oracle.greedy(new int[] {256, 72, 105}, 6).text(),
          out.get("tokenIds").get("text").asText());
      String continuation = oracle.greedy(oracle.textIds("echo this"), 4).text();
      assertEquals("echo this" + continuation, out.get("echo").get("text").asText());
      assertEquals(continuation, out.get("completionStream").asText());
      assertEquals(
          List.of(TestServer.MODEL_NAME), RawHttp.JSON.convertValue(out.get("models"), List.class));
      assertEquals(400, out.get("error").get("status").asInt());
      assertEquals("BadRequestError", out.get("error").get("type").asText());
      assertTrue(out.get("error").get("message").asText().contains("temperature"));
    }
  }

  /** The node_modules folder holding the client, installed with npm on first use. */
  static Path install() throws Exception {
    Path prefix =
        Path.of(
            System.getProperty("user.home"),
            ".cache",
            "kernelj",
            "npm",
            OPENAI_NPM.replace('@', '-'));
    Path modules = prefix.resolve("node_modules");
    if (Files.isRegularFile(modules.resolve("openai/package.json"))) {
      return modules;
    }
    Assumptions.assumeTrue(runs("npm", "--version"), "npm is not on the PATH");
    Files.createDirectories(prefix);
    Result r =
        run(
            new ProcessBuilder(
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--no-package-lock",
                "--prefix",
                prefix.toString(),
                OPENAI_NPM),
            300);
    if (r.code() != 0) {
      String why = r.err() + r.out();
      Assumptions.assumeFalse(
          why.contains("ENOTFOUND")
              || why.contains("EAI_AGAIN")
              || why.contains("ECONNREFUSED")
              || why.contains("ETIMEDOUT"),
          "the npm registry is unreachable: " + why.lines().findFirst().orElse(""));
      throw new AssertionError("npm install " + OPENAI_NPM + " failed: " + why);
    }
    return modules;
  }

  record Result(int code, String out, String err) {}

  static Result run(ProcessBuilder pb, int seconds) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(pb.command() + " ran past " + seconds + " s");
    }
    return new Result(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  static boolean runs(String... command) {
    try {
      return run(new ProcessBuilder(command), 30).code() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
