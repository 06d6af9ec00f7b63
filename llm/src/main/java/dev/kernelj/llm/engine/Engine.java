package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.check.ModelCheck;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.tokenizer.Tokenizer;
import dev.kernelj.llm.util.ModelFiles;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.TokenSampler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A Llama-family model ready to generate: weights uploaded once, a paged KV cache for max batch x
 * max context tokens within the memory budget, the tokenizer, and the decode steps (captured graphs
 * where the backend has them). Nothing here depends on the backend: {@link Ops} says what it runs.
 * Used by the CLI (and meant for the server). One generation at a time; not thread-safe.
 *
 * <pre>{@code
 * try (Engine engine = Engine.open(dir, EngineOptions.defaults().withMaxBatch(4))) {
 *     GenerationRequest r = engine.request("Hello", SamplingSettings.greedy(), 32, List.of());
 *     engine.generate(List.of(r), (seq, text) -> System.out.print(text));
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
  /** Context used when neither the options nor a smaller model limit say otherwise. */
  static final int DEFAULT_CONTEXT_CAP = 4096;

  private final ModelConfig config;
  private final Tokenizer tokenizer;
  private final Ops ops;
  private final LlamaModel model;
  private final PagedKvCache cache;
  private final DecodeRunner runner;
  private final TokenSampler sampler;
  private final StepIo io;
  private final Generator generator;
  private final int maxContext;
  private final int maxBatch;
  private final LoadTimings loadTimings;
  private GenerationStats lastStats;

  Engine(
      ModelConfig config,
      Tokenizer tokenizer,
      Ops ops,
      LlamaModel model,
      PagedKvCache cache,
      DecodeRunner runner,
      TokenSampler sampler,
      StepIo io,
      int maxContext,
      int maxBatch,
      LoadTimings loadTimings) {
    this.config = config;
    this.tokenizer = tokenizer;
    this.ops = ops;
    this.model = model;
    this.cache = cache;
    this.runner = runner;
    this.sampler = sampler;
    this.io = io;
    this.maxContext = maxContext;
    this.maxBatch = maxBatch;
    this.loadTimings = loadTimings;
    this.generator = new Generator(model, cache, runner, sampler, io, tokenizer, maxContext);
  }

  /**
   * Loads the model in {@code modelDir} (config.json, safetensors weights, tokenizer.json if
   * present) onto the device the options name; {@link EngineLoader} says how, stage by stage.
   *
   * @throws EngineException when the model or the requested context does not fit, or no GPU is
   *     usable
   * @throws dev.kernelj.llm.util.ModelFormatException when a model file is missing or malformed
   */
  public static Engine open(Path modelDir, EngineOptions options) {
    long processStartToOpen = LoadTimings.sinceProcessStart();
    // A large vocabulary takes a few hundred ms to load: do it meanwhile on its own thread (not the
    // common pool, which the weight upload's parallel copies use).
    CompletableFuture<Tokenizer> pendingTokenizer =
        CompletableFuture.supplyAsync(() -> loadTokenizer(modelDir), Engine::daemon);
    try {
      return EngineLoader.load(modelDir, options, pendingTokenizer, processStartToOpen);
    } catch (RuntimeException | Error e) {
      // A failed open reports its own error; the tokenizer's result is dropped.
      pendingTokenizer.cancel(false);
      throw e;
    }
  }

  static void daemon(Runnable task) {
    Thread t = new Thread(task, "kernelj-tokenizer-load");
    t.setDaemon(true);
    t.start();
  }

  static Tokenizer loadTokenizer(Path modelDir) {
    return loadTokenizer(modelDir, true);
  }

  /**
   * The model's tokenizer, or null without tokenizer.json.
   *
   * @param checkChatTemplate render the chat template once and fail on it here (the CLI's chat
   *     needs it); a server leaves it to the requests that need it
   */
  static Tokenizer loadTokenizer(Path modelDir, boolean checkChatTemplate) {
    if (!ModelFiles.isPresent(modelDir.resolve("tokenizer.json"))) {
      return null;
    }
    try {
      Tokenizer tokenizer = Tokenizer.fromDirectory(modelDir);
      if (checkChatTemplate) {
        ModelCheck.chatTemplate(tokenizer, modelDir);
      }
      return tokenizer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- queries

  public ModelConfig config() {
    return config;
  }

  /** The tokenizer; an error when the model directory has no tokenizer.json. */
  public Tokenizer tokenizer() {
    if (tokenizer == null) {
      throw new EngineException(
          "the model directory has no tokenizer.json, which text prompts need to be encoded");
    }
    return tokenizer;
  }

  public boolean hasTokenizer() {
    return tokenizer != null;
  }

  /** The backend's name: {@code cuda:<card>} or {@code reference}. */
  public String deviceName() {
    return ops.name();
  }

  /** Whether the backend keeps tensors in device memory (the CUDA backend). */
  public boolean onGpu() {
    return ops.capabilities().deviceMemory();
  }

  public long weightBytes() {
    return model.weights().bytes();
  }

  public long kvCacheBytes() {
    return cache.bytes();
  }

  public long kvCacheTokens() {
    return cache.capacityTokens();
  }

  public int maxContext() {
    return maxContext;
  }

  public int maxBatch() {
    return maxBatch;
  }

  /** Dtype of activations and KV cache. */
  public DType activation() {
    return model.activation();
  }

  /** Where the time of {@link #open} went, phase by phase (for {@code --stats}). */
  public LoadTimings loadTimings() {
    return loadTimings;
  }

  /** Timings of the last {@link #generate} call, or null before the first. */
  public GenerationStats lastStats() {
    return lastStats;
  }

  // ---------------------------------------------------------------- generation

  /** EOS ids from generation_config.json, config.json and the tokenizer, and {@code maxTokens}. */
  public StopConditions stopConditions(int maxTokens, List<String> stopStrings) {
    return new StopConditions(maxTokens, StopConditions.eosIds(config, tokenizer), stopStrings);
  }

  /**
   * A request for {@code prompt} encoded with the tokenizer's special tokens (BOS where the model
   * wants one).
   */
  public GenerationRequest request(
      String prompt, SamplingSettings sampling, int maxTokens, List<String> stopStrings) {
    return new GenerationRequest(
        tokenizer().encode(prompt, true), sampling, stopConditions(maxTokens, stopStrings));
  }

  /**
   * Generates every request as one static batch; text streams to {@code listener} as it becomes
   * final.
   */
  public List<GenerationResult> generate(List<GenerationRequest> requests, TokenListener listener) {
    if (requests.isEmpty() || requests.size() > maxBatch) {
      throw new EngineException(
          requests.size()
              + " sequences requested; this engine takes 1 to "
              + maxBatch
              + " at once (open it with a larger max batch)");
    }
    Generator.Outcome outcome = generator.generate(requests, listener);
    lastStats = outcome.stats();
    return outcome.results();
  }

  /**
   * Logits of every position of {@code ids}, then of {@code steps} greedy decode steps (each fed
   * the argmax of the row before), through the same decode path generation uses.
   */
  public LogitsTrace logits(int[] ids, int steps) {
    if (ids.length == 0 || steps < 0 || ids.length + steps > maxContext) {
      throw new EngineException(
          ids.length
              + " ids + "
              + steps
              + " steps must be 1 to "
              + maxContext
              + " tokens (the engine's context)");
    }
    GenerationRequest request =
        new GenerationRequest(
            ids,
            SamplingSettings.greedy(),
            new StopConditions(Math.max(1, steps + 1), Set.of(), List.of()));
    return new LogitsRecorder(generator, cache, config.vocabSize()).record(request, steps);
  }

  @Override
  public void close() {
    runner.close();
    sampler.close();
    io.close();
    cache.close();
    model.close();
    ops.close();
  }
}
