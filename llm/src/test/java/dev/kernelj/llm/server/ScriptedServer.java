package dev.kernelj.llm.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.kernelj.llm.chat.ChatTemplate;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A server in front of a {@link ScriptedEngine}, with the tiny model's byte-level tokenizer and a
 * chat template of the test's, and an OpenAI Java SDK client of it: for what the server makes of
 * replies and requests, whatever the model.
 */
final class ScriptedServer implements AutoCloseable {
  final OpenAiServer server;
  final ScriptedEngine engine;
  final Tokenizer tokenizer;
  final OpenAIClient client;

  private ScriptedServer(
      Path dir, String model, String template, boolean splitReasoning, String... reply)
      throws IOException {
    tokenizer = Tokenizer.fromFiles(TestServer.writeModel(dir).resolve("tokenizer.json"), null);
    engine = new ScriptedEngine(reply);
    server = new OpenAiServer(ServerConfig.defaults().withPort(0).withLog(l -> {}));
    server.start();
    ServedModel served =
        new ServedModel(
            model,
            engine,
            tokenizer,
            ChatTemplate.of(template, "<s>", "</s>"),
            SamplingSettings.greedy(),
            tokenizer.vocabSize(),
            "scripted",
            0);
    server.ready(splitReasoning ? served.withReasoningSplit() : served);
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl(server.url() + "/v1")
            .apiKey("unused")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(30))
            .build();
  }

  /** A server of {@code model} (its name) answering every request with {@code reply}'s pieces. */
  static ScriptedServer start(Path dir, String model, String template, String... reply)
      throws IOException {
    return new ScriptedServer(dir, model, template, false, reply);
  }

  /** {@link #start}, with replies' {@code <think>} text split out ({@code --reasoning-parser}). */
  static ScriptedServer splittingReasoning(Path dir, String model, String template, String... reply)
      throws IOException {
    return new ScriptedServer(dir, model, template, true, reply);
  }

  String url() {
    return server.url();
  }

  /** The text of the last prompt the engine got, special tokens included. */
  String lastPrompt() {
    return tokenizer.decode(engine.prompts.get(engine.prompts.size() - 1), false);
  }

  @Override
  public void close() {
    client.close();
    server.shutdown();
  }
}
