package dev.kernelj.llm.server;

import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.ops.cuda.CudaOps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;

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
    this.opened = ServingEngineFactory.SERIAL.open(modelDir, options);
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

  static ServingOptions cpuOptions() {
    return ServingOptions.defaults(EngineOptions.defaults().withDevice(Device.CPU));
  }

  static TestServer start(Path dir) throws IOException {
    return start(dir, c -> c, cpuOptions());
  }

  /**
   * A server on the CUDA backend, in front of a model of a shape its attention takes; skips the
   * test without a usable GPU.
   */
  static TestServer startOnGpu(Path dir) throws IOException {
    String[] why = new String[1];
    Optional<CudaOps> probe = CudaOps.tryOpen(0, why);
    Assumptions.assumeTrue(probe.isPresent(), () -> "no usable GPU: " + why[0]);
    probe.get().close();
    return new TestServer(
        writeModel(dir, TinyLlama.LLAMA_H64),
        ServerConfig.defaults().withPort(0),
        ServingOptions.defaults(EngineOptions.defaults().withDevice(Device.CUDA)));
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
