package dev.kernelj.llm.server;

import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.testing.Gpu;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A server on a free local port in front of a tiny random Llama (byte-level tokenizer, a chat
 * template) on the CPU, through the same engine factory {@code kernelj serve} uses; its log lines
 * are kept for the tests.
 */
final class TestServer implements AutoCloseable {
  /** The chat template of the tiny model: role tags, and the assistant tag to generate after. */
  static final String CHAT_TEMPLATE =
      "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\\n{% endfor %}"
          + "{% if add_generation_prompt %}<|assistant|>{% endif %}";

  static final String MODEL_NAME = "tiny-chat";

  final Path modelDir;
  final OpenAiServer server;
  final ServingEngineFactory.Opened opened;
  final List<String> log = new CopyOnWriteArrayList<>();

  private TestServer(Path modelDir, ServerConfig config, ServingOptions options)
      throws IOException {
    this.modelDir = modelDir;
    this.server = new OpenAiServer(config.withLog(log::add));
    server.start();
    this.opened = ServingEngineFactory.CONTINUOUS_BATCHING.open(modelDir, options);
    server.ready(ServedModel.of(MODEL_NAME, opened));
  }

  /** Writes the tiny model (once per directory) with its chat template. */
  static Path writeModel(Path dir) {
    return writeModel(dir, TinyLlama.LLAMA);
  }

  /** Writes a tiny model of {@code spec} (once per directory) with the chat template. */
  static Path writeModel(Path dir, TinyLlama.Spec spec) {
    Path model = dir.resolve(MODEL_NAME + "-" + spec.name());
    if (Files.isDirectory(model)) {
      return model;
    }
    try {
      TinyLlama.write(model, spec, 7);
      Files.writeString(
          model.resolve("tokenizer_config.json"),
          "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"add_bos_token\": true,"
              + " \"add_eos_token\": false, \"chat_template\": \""
              + CHAT_TEMPLATE
              + "\"}\n");
      return model;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The CPU backend with a pool of 256 KV blocks (4,096 tokens): enough for the tests' concurrency
   * (the load test preempts at its peak), and small because the reference attention reads the whole
   * pool every step.
   */
  static ServingOptions cpuOptions() {
    return ServingOptions.builder().device(Device.CPU).numKvBlocks(256).build();
  }

  static TestServer start(Path dir) throws IOException {
    return start(dir, c -> c, cpuOptions());
  }

  /**
   * A server on the CUDA backend, in front of a model of a shape its attention takes; skips the
   * test without a usable GPU.
   */
  static TestServer startOnGpu(Path dir) throws IOException {
    Gpu.assumeUsable();
    return new TestServer(
        writeModel(dir, TinyLlama.LLAMA_H64),
        ServerConfig.defaults().withPort(0),
        ServingOptions.builder().device(Device.CUDA).build());
  }

  static TestServer start(Path dir, UnaryOperator<ServerConfig> config, ServingOptions options)
      throws IOException {
    return new TestServer(
        writeModel(dir), config.apply(ServerConfig.defaults().withPort(0)), options);
  }

  String url() {
    return server.url();
  }

  @Override
  public void close() {
    server.shutdown();
    opened.engine().close();
  }
}
