package dev.kernelj.llm.server;

import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.server.serial.SerialServingEngine;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * Opens the {@link ServingEngine} that {@code kernelj serve} puts behind HTTP. The server knows
 * only this and the engine's interface: swapping in another engine (the continuous-batching
 * scheduler) is a new factory here.
 */
@FunctionalInterface
public interface ServingEngineFactory {
  /**
   * An opened engine and what the HTTP layer needs beside it.
   *
   * @param engine the engine
   * @param config the model's configuration (vocabulary size, generation defaults)
   * @param tokenizer the model's tokenizer; null when the directory has none (then only token-id
   *     prompts work)
   * @param device the backend's name, for the start-up line
   */
  record Opened(ServingEngine engine, ModelConfig config, Tokenizer tokenizer, String device) {}

  /** Loads the model in {@code modelDir} with {@code options}. */
  Opened open(Path modelDir, ServingOptions options);

  /**
   * One request at a time on the engine of {@code kernelj generate} ({@link SerialServingEngine}).
   */
  ServingEngineFactory SERIAL =
      (modelDir, options) -> {
        SerialServingEngine serial = SerialServingEngine.open(modelDir, options);
        var engine = serial.engine();
        return new Opened(
            serial,
            engine.config(),
            engine.hasTokenizer() ? engine.tokenizer() : null,
            engine.deviceName());
      };
}
