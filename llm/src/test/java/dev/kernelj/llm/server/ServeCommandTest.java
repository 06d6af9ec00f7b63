package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kernelj serve} as a process: the start-up line, the flags, a request in flight when
 * SIGTERM comes (it finishes; the exit code is 0), and one-line errors for bad input.
 */
class ServeCommandTest {
  static final Pattern STARTED =
      Pattern.compile(
          "kernelj: serving (\\S+) at (http://127\\.0\\.0\\.1:\\d+)/v1 on (\\S+); KV cache (\\d+)"
              + " tokens .*, max model length (\\d+)");

  @TempDir static Path dir;

  static ProcessBuilder kernelj(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.kernelj.llm.cli.KernelJ");
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  @Test
  void servesUntilSigtermThenFinishesTheRequestInFlightAndExitsZero() throws Exception {
    Path model = TestServer.writeModel(dir);
    Path err = dir.resolve("serve.err");
    Process serve =
        kernelj(
                "serve",
                "--model",
                model.toString(),
                "--device",
                "cpu",
                "--port",
                "0",
                "--served-model-name",
                "tiny-cli",
                "--api-key",
                "k3y",
                "--max-model-len",
                "256",
                "--num-kv-blocks",
                "64",
                "--max-num-seqs",
                "8")
            .redirectError(err.toFile())
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      Matcher m = STARTED.matcher(line == null ? "" : line);
      assertTrue(m.matches(), "start-up line: " + line + "\n" + Files.readString(err));
      assertEquals("tiny-cli", m.group(1));
      assertEquals("reference", m.group(3));
      assertEquals("1024", m.group(4)); // --num-kv-blocks 64 of 16 tokens
      assertEquals("256", m.group(5));
      String url = m.group(2);
      assertEquals(200, RawHttp.get(url + "/health").statusCode());
      assertEquals(401, RawHttp.get(url + "/v1/models").statusCode());
      HttpResponse<String> models = RawHttp.get(url + "/v1/models", "Authorization", "Bearer k3y");
      assertEquals("tiny-cli", RawHttp.json(models).get("data").get(0).get("id").asText());

      CompletableFuture<HttpResponse<String>> inFlight =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return RawHttp.post(
                      url + "/v1/completions",
                      "{\"prompt\": \"long\", \"max_tokens\": 60, \"ignore_eos\": true}",
                      "Authorization",
                      "Bearer k3y");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      ServerLifecycleTest.await(
          () -> metric(url, "kernelj:num_requests_running") == 1, "the request runs");
      serve.destroy(); // SIGTERM
      assertTrue(serve.waitFor(60, TimeUnit.SECONDS), "serve stopped");
      assertEquals(0, serve.exitValue(), Files.readString(err));
      HttpResponse<String> finished = inFlight.get(30, TimeUnit.SECONDS);
      assertEquals(200, finished.statusCode(), finished.body());
      assertEquals(60, RawHttp.json(finished).get("usage").get("completion_tokens").asInt());
      String log = Files.readString(err);
      assertTrue(
          log.contains("\"POST /v1/completions\" 200 prompt_tokens=5 completion_tokens=60"), log);
      assertTrue(log.contains("kernelj: stopping"), log);
      // the engine's summary, after the in-flight request finished: its 60 tokens are counted
      assertTrue(
          log.contains("kernelj: stopped: 1 requests finished, 5 prompt and 60 generated"), log);
    } finally {
      serve.destroyForcibly();
    }
  }

  static double metric(String url, String name) {
    try {
      for (String l :
          RawHttp.get(url + "/metrics", "Authorization", "Bearer k3y").body().split("\n")) {
        if (l.startsWith(name + "{")) {
          return Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
        }
      }
      return Double.NaN;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void badInputGetsOneLineAndItsExitCode() throws Exception {
    Path model = TestServer.writeModel(dir);
    assertError(
        2,
        "--port must be 0 to 65535 but is 70000",
        kernelj("serve", "--model", model.toString(), "--port", "70000"));
    assertError(
        3,
        "missing: (model directory): not found",
        kernelj(
            "serve",
            "--model",
            dir.resolve("missing").toString(),
            "--device",
            "cpu",
            "--port",
            "0"));
    try (ServerSocket taken = new ServerSocket(0)) {
      assertError(
          4,
          "cannot listen",
          kernelj(
              "serve",
              "--model",
              model.toString(),
              "--device",
              "cpu",
              "--port",
              Integer.toString(taken.getLocalPort())));
    }
  }

  static void assertError(int code, String mention, ProcessBuilder pb)
      throws IOException, InterruptedException {
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p =
        pb.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String text = Files.readString(err);
    assertEquals(code, p.exitValue(), text);
    List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), text);
    assertTrue(lines.get(0).startsWith("kernelj: error: ") && lines.get(0).contains(mention), text);
    assertFalse(text.contains("\tat "), text);
  }
}
