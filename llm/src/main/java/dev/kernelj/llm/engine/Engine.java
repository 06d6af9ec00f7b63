package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.config.ModelConfigReader;
import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.LlamaWeights;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.model.StepBuffers;
import dev.kernelj.llm.model.WeightLoader;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.tokenizer.Tokenizer;
import dev.kernelj.llm.util.ByteSizes;
import dev.kernelj.ops.backend.CudaOps;
import dev.kernelj.ops.backend.Ops;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Llama-family model ready to generate: weights uploaded once, a paged KV cache for max batch x
 * max context tokens within the memory budget, the tokenizer, and the decode steps (CUDA graphs on
 * the GPU). Used by the CLI (and meant for the server). One generation at a time; not thread-safe.
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

  private Engine(
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
   * present) onto the device the options name.
   *
   * @throws EngineException when the model or the requested context does not fit, or no GPU is
   *     usable
   * @throws dev.kernelj.llm.util.ModelFormatException when a model file is missing or malformed
   */
  public static Engine open(Path modelDir, EngineOptions options) {
    long processStartToOpen = LoadTimings.sinceProcessStart();
    long start = System.nanoTime();
    // A large vocabulary takes a few hundred ms to load: do it meanwhile on its own thread (not the
    // common pool, which the weight upload's parallel copies use).
    CompletableFuture<Tokenizer> pendingTokenizer =
        CompletableFuture.supplyAsync(() -> loadTokenizer(modelDir), Engine::daemon);
    try {
      return load(modelDir, options, pendingTokenizer, processStartToOpen, start);
    } catch (RuntimeException | Error e) {
      pendingTokenizer.cancel(
          false); // a failed open reports its own error; the tokenizer's result is dropped
      throw e;
    }
  }

  static void daemon(Runnable task) {
    Thread t = new Thread(task, "kernelj-tokenizer-load");
    t.setDaemon(true);
    t.start();
  }

  private static Engine load(
      Path modelDir,
      EngineOptions options,
      CompletableFuture<Tokenizer> pendingTokenizer,
      long processStartToOpen,
      long start) {
    ModelConfig config = ModelConfigReader.read(modelDir);
    int maxContext = contextOf(config, options);
    long configDone = System.nanoTime();
    Ops ops = Backends.open(options.device(), options.notes());
    long backendDone = System.nanoTime();
    boolean cuda = CudaBridge.isCuda(ops);
    DType activation =
        options.activation() != null ? options.activation() : cuda ? DType.BF16 : DType.F32;
    LlamaWeights weights = null;
    PagedKvCache cache = null;
    StepIo io = null;
    TokenSampler sampler = null;
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(modelDir)) {
      if (cuda) {
        CudaSupport.check(config, activation);
      }
      int maxBatch = options.maxBatch();
      Budget budget = Budget.of(ops, options.gpuMemoryUtilization());
      long weightBytes = estimateWeightBytes(checkpoint, activation, cuda);
      budget.requireRoomFor(weightBytes, "weights");
      long weightsStart = System.nanoTime();
      weights = WeightLoader.load(checkpoint, config, activation, ops, options.progress());
      ops.synchronize(); // the last copies are queued: wait, so the weights phase is timed whole
      long weightsDone = System.nanoTime();

      int blocksPerSeq = KvCacheSizing.blocksPerSequence(maxContext, options.blockSize());
      long stepBytes =
          StepBuffers.decodeBytes(config, activation, maxBatch, blocksPerSeq) * 2
              + StepBuffers.decodeBytes(config, activation, maxContext, 1)
              + (cuda ? CudaTokenSampler.bytes(maxBatch, config.vocabSize(), maxContext) : 0);
      DType kvDtype = cuda ? activation : DType.F32; // host tensors hold every float as 4 bytes
      long kvBudget = budget.remainingAfter(weights.bytes() + stepBytes);
      int blocks =
          KvCacheSizing.blocks(
              config,
              kvDtype,
              options.blockSize(),
              kvBudget,
              maxBatch,
              maxContext,
              budget.describe(weights.bytes()));
      cache = PagedKvCache.allocate(ops, config, activation, blocks, options.blockSize());
      ops.synchronize(); // stream-ordered allocations: count their mapping here, not in the first
      // step
      long cacheDone = System.nanoTime();
      if (cuda) {
        // One step writes its packed inputs (a prefill's or a decode's) and the sampler's rows.
        int inputWords =
            Math.max(
                StepBuffers.inputWords(maxContext, 1, 1),
                StepBuffers.inputWords(maxBatch, maxBatch, blocksPerSeq));
        io =
            CudaBridge.stepIo(
                ops,
                inputWords + CudaTokenSampler.stagedWords(maxBatch, maxContext),
                maxBatch * config.vocabSize());
        sampler = new CudaTokenSampler((CudaOps) ops, io, maxBatch, config.vocabSize(), maxContext);
      } else {
        io = StepIo.host();
        sampler = new ReferenceTokenSampler(ops, maxBatch);
      }
      LlamaModel model = new LlamaModel(config, ops, weights, activation);
      DecodeRunner runner =
          new DecodeRunner(model, cache, sampler, maxBatch, blocksPerSeq, options.cudaGraphs());
      long setupDone = System.nanoTime();
      Tokenizer tokenizer = await(pendingTokenizer);
      long tokenizerDone = System.nanoTime();
      LoadTimings timings =
          new LoadTimings(
              processStartToOpen,
              (configDone - start) + (weightsStart - backendDone),
              backendDone - configDone,
              weightsDone - weightsStart,
              weights.bytes(),
              cacheDone - weightsDone,
              cache.bytes(),
              setupDone - cacheDone,
              tokenizerDone - setupDone);
      return new Engine(
          config, tokenizer, ops, model, cache, runner, sampler, io, maxContext, maxBatch, timings);
    } catch (RuntimeException | Error e) {
      if (sampler != null) {
        sampler.close();
      }
      if (io != null) {
        io.close();
      }
      if (cache != null) {
        cache.close();
      }
      if (weights != null) {
        weights.close();
      }
      ops.close();
      throw e;
    }
  }

  /** The tokenizer loaded on another thread, its failure rethrown as it was thrown there. */
  static Tokenizer await(CompletableFuture<Tokenizer> pending) {
    try {
      return pending.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  static Tokenizer loadTokenizer(Path modelDir) {
    if (!Files.isRegularFile(modelDir.resolve("tokenizer.json"))) {
      return null;
    }
    try {
      return Tokenizer.fromDirectory(modelDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int contextOf(ModelConfig config, EngineOptions options) {
    int modelMax =
        config.maxPositionEmbeddings() > 0 ? config.maxPositionEmbeddings() : DEFAULT_CONTEXT_CAP;
    int context =
        options.maxContext() > 0 ? options.maxContext() : Math.min(modelMax, DEFAULT_CONTEXT_CAP);
    if (context > modelMax) {
      throw new EngineException(
          "max context " + context + " exceeds the model's max_position_embeddings " + modelMax);
    }
    return context;
  }

  static long estimateWeightBytes(
      SafetensorsCheckpoint checkpoint, DType activation, boolean cuda) {
    long total = 0;
    for (String name : checkpoint.tensorNames()) {
      var info = checkpoint.info(name);
      long perElement =
          !cuda ? 4 : activation == DType.F32 ? info.dtype().byteSize() : activation.byteSize();
      total += info.elementCount() * perElement;
    }
    return total;
  }

  /** The memory the engine may use: a fraction of the card (CUDA) or of the free heap (CPU). */
  record Budget(long total, long free, double fraction, String unit) {
    static Budget of(Ops ops, double fraction) {
      if (CudaBridge.isCuda(ops)) {
        long[] info = CudaBridge.memoryInfo(ops);
        return new Budget(info[1], info[0], fraction, "card");
      }
      Runtime rt = Runtime.getRuntime();
      long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
      return new Budget(free, free, fraction, "free Java heap");
    }

    long allowed() {
      return (long) (total * fraction);
    }

    void requireRoomFor(long weightBytes, String what) {
      long room = allowed() - (total - free);
      if (weightBytes > room) {
        throw new EngineException(
            "the model does not fit: its "
                + what
                + " need "
                + ByteSizes.format(weightBytes)
                + " but "
                + String.format(java.util.Locale.ROOT, "%.2f", fraction)
                + " of the "
                + ByteSizes.format(total)
                + " "
                + unit
                + " leaves "
                + ByteSizes.format(Math.max(0, room))
                + (unit.startsWith("free Java")
                    ? " (raise -Xmx)"
                    : " (raise --gpu-memory-utilization or use a smaller model)"));
      }
    }

    /**
     * Bytes left for the KV cache once {@code used} more bytes are taken than when the budget was
     * measured.
     */
    long remainingAfter(long used) {
      return allowed() - (total - free) - used;
    }

    String describe(long weightBytes) {
      return String.format(java.util.Locale.ROOT, "%.2f", fraction)
          + " of the "
          + ByteSizes.format(total)
          + " "
          + unit
          + " after "
          + ByteSizes.format(weightBytes)
          + " of weights";
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
          "the model directory has no tokenizer.json: pass token ids instead of text");
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

  public boolean onGpu() {
    return CudaBridge.isCuda(ops);
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
    Set<Integer> eos = new LinkedHashSet<>(config.generation().eosTokenIds());
    eos.addAll(config.eosTokenIds());
    if (tokenizer != null) {
      for (int id : tokenizer.eosIds()) {
        eos.add(id);
      }
    }
    return new StopConditions(maxTokens, eos, stopStrings);
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
