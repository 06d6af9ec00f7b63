package dev.kernelj.llm.serving;

import dev.kernelj.llm.serving.runtime.ContinuousBatchingEngine;
import java.nio.file.Path;

/**
 * A model serving many requests at once. Thread-safe: any thread may submit, cancel and read stats;
 * one scheduler thread inside runs the steps.
 */
public interface ServingEngine extends AutoCloseable {
  /**
   * Loads the model in {@code modelDir} and starts serving it with continuous batching.
   *
   * @throws dev.kernelj.llm.engine.EngineException when the model does not fit or no GPU is usable
   * @throws dev.kernelj.llm.util.ModelFormatException when a model file is missing or malformed
   */
  static ContinuousBatchingEngine open(Path modelDir, ServingOptions options) {
    return ContinuousBatchingEngine.open(modelDir, options);
  }

  /**
   * Queues a request and returns at once.
   *
   * @throws RequestRejectedException when the request can never run (its prompt plus max tokens
   *     exceed the context or the whole KV pool; the message gives both numbers), when the waiting
   *     queue is full, or when the engine is shutting down
   */
  RequestHandle submit(ServeRequest request);

  /** A snapshot of the scheduler's state and counters. */
  ServingStats stats();

  /** Longest prompt + generated tokens one request may have. */
  int maxModelLength();

  /**
   * Stops accepting requests, lets the running and waiting ones finish for up to {@code
   * graceMillis}, then cancels the rest; returns once the scheduler thread has stopped.
   */
  void shutdown(long graceMillis);

  /** {@link #shutdown} with no grace, then frees the device memory. */
  @Override
  void close();
}
