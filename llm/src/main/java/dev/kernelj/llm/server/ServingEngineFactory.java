package dev.kernelj.llm.server;

import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.runtime.ContinuousBatchingEngine;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * Opens the {@link ServingEngine} that {@code kernelj serve} puts behind HTTP. The server knows
 * only this and the engine's interface.
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

  /** The continuous-batching scheduler ({@link ContinuousBatchingEngine}). */
  ServingEngineFactory CONTINUOUS_BATCHING =
      (modelDir, options) -> {
        ContinuousBatchingEngine engine = ServingEngine.open(modelDir, options);
        return new Opened(engine, engine.config(), engine.tokenizer(), engine.deviceName());
      };
}
