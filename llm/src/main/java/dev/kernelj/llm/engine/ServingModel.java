package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.model.StepBuffers;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.tokenizer.Tokenizer;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.TokenSampler;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A model loaded for serving many requests at once: weights, one KV block pool shared by all
 * sequences (sized from the memory budget left after the weights and every step buffer), the
 * buffers of mixed steps and of the decode buckets, the sampler, and the tokenizer. The {@link
 * BatchStepRunner} runs its steps; the scheduler decides which blocks each sequence uses.
 *
 * <p>Loads like {@link Engine#open} ({@link ServingLoader}); what differs is the sizing: the pool
 * is as large as the budget allows, not max batch x max context. Nothing here depends on the
 * backend.
 */
public final class ServingModel implements AutoCloseable {
  private final ModelConfig config;
  private final Tokenizer tokenizer;
  private final Ops ops;
  private final LlamaModel model;
  private final PagedKvCache cache;
  private final TokenSampler sampler;
  private final StepIo io;
  private final DecodeRunner decode;
  private final StepBuffers mixed;
  private final BatchStepRunner runner;
  private final int maxModelLen;

  ServingModel(
      ModelConfig config,
      Tokenizer tokenizer,
      Ops ops,
      LlamaModel model,
      PagedKvCache cache,
      TokenSampler sampler,
      StepIo io,
      DecodeRunner decode,
      StepBuffers mixed,
      BatchStepRunner runner,
      int maxModelLen) {
    this.config = config;
    this.tokenizer = tokenizer;
    this.ops = ops;
    this.model = model;
    this.cache = cache;
    this.sampler = sampler;
    this.io = io;
    this.decode = decode;
    this.mixed = mixed;
    this.runner = runner;
    this.maxModelLen = maxModelLen;
  }

  /**
   * Loads the model in {@code modelDir} for serving with {@code options} ({@link ServingLoader}
   * says how).
   *
   * @throws EngineException when the model, its step buffers or one longest sequence's KV blocks do
   *     not fit the budget, the backend cannot run the model, or no GPU is usable
   * @throws dev.kernelj.llm.util.ModelFormatException when a model file is missing or malformed
   */
  public static ServingModel open(Path modelDir, ServingOptions options) {
    CompletableFuture<Tokenizer> pendingTokenizer =
        CompletableFuture.supplyAsync(
            () -> Engine.loadTokenizer(modelDir, false),
            Engine::daemon); // a server answers chat requests with a template's problem
    try {
      return ServingLoader.load(modelDir, options, pendingTokenizer);
    } catch (RuntimeException | Error e) {
      pendingTokenizer.cancel(false);
      throw e;
    }
  }

  public ModelConfig config() {
    return config;
  }

  /** The tokenizer, or null when the model directory has none (requests then carry token ids). */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** EOS ids from generation_config.json, config.json and the tokenizer. */
  public Set<Integer> eosIds() {
    return StopConditions.eosIds(config, tokenizer);
  }

  public int maxModelLen() {
    return maxModelLen;
  }

  public int numBlocks() {
    return cache.numBlocks();
  }

  public int blockSize() {
    return cache.blockSize();
  }

  public long kvCacheBytes() {
    return cache.bytes();
  }

  public long weightBytes() {
    return model.weights().bytes();
  }

  public DType activation() {
    return model.activation();
  }

  /** {@code cuda:<card>} or {@code reference}. */
  public String deviceName() {
    return ops.name();
  }

  /** Runs the steps; one thread at a time (the scheduler's). */
  public BatchStepRunner runner() {
    return runner;
  }

  @Override
  public void close() {
    runner.close();
    mixed.close();
    decode.close();
    sampler.close();
    io.close();
    cache.close();
    model.close();
    ops.close();
  }
}
