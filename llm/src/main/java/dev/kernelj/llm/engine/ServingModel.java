package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.config.ModelConfigReader;
import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.LlamaWeights;
import dev.kernelj.llm.model.MixedBatch;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.model.StepBuffers;
import dev.kernelj.llm.model.WeightLoader;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.tokenizer.Tokenizer;
import dev.kernelj.llm.util.ByteSizes;
import dev.kernelj.ops.backend.CudaOps;
import dev.kernelj.ops.backend.Ops;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A model loaded for serving many requests at once: weights, one KV block pool shared by all
 * sequences (sized from the memory budget left after the weights and every step buffer), the
 * buffers of mixed steps and of the decode buckets, the sampler, and the tokenizer. The {@link
 * BatchStepRunner} runs its steps; the scheduler decides which blocks each sequence uses.
 *
 * <p>Loads like {@link Engine#open} (and shares its budget and loader helpers); what differs is the
 * sizing: the pool is as large as the budget allows, not max batch x max context.
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

  private ServingModel(Parts p, Tokenizer tokenizer, int maxModelLen) {
    this.config = p.model.config();
    this.tokenizer = tokenizer;
    this.ops = p.ops;
    this.model = p.model;
    this.cache = p.cache;
    this.sampler = p.sampler;
    this.io = p.io;
    this.decode = p.decode;
    this.mixed = p.mixed;
    this.runner = p.runner;
    this.maxModelLen = maxModelLen;
  }

  /** What {@link #open} has made so far, closed in reverse if a later part fails. */
  private static final class Parts {
    Ops ops;
    LlamaWeights weights;
    LlamaModel model;
    PagedKvCache cache;
    StepIo io;
    TokenSampler sampler;
    DecodeRunner decode;
    StepBuffers mixed;
    BatchStepRunner runner;

    void close() {
      for (AutoCloseable c :
          new AutoCloseable[] {runner, mixed, decode, sampler, io, cache, weights}) {
        if (c != null) {
          try {
            c.close();
          } catch (Exception ignored) {
            // the failure being reported matters more
          }
        }
      }
      if (ops != null) {
        ops.close();
      }
    }
  }

  /**
   * Loads the model in {@code modelDir} for serving with {@code options}.
   *
   * @throws EngineException when the model, its step buffers or one longest sequence's KV blocks do
   *     not fit the budget, or no GPU is usable
   * @throws dev.kernelj.llm.util.ModelFormatException when a model file is missing or malformed
   */
  public static ServingModel open(Path modelDir, ServingOptions options) {
    CompletableFuture<Tokenizer> pendingTokenizer =
        CompletableFuture.supplyAsync(() -> Engine.loadTokenizer(modelDir), Engine::daemon);
    Parts p = new Parts();
    try {
      ModelConfig config = ModelConfigReader.read(modelDir);
      int maxModelLen = maxModelLen(config, options.maxModelLen());
      p.ops = Backends.open(options.device(), options.notes());
      return load(modelDir, options, config, maxModelLen, p, pendingTokenizer);
    } catch (RuntimeException | Error e) {
      pendingTokenizer.cancel(false);
      p.close();
      throw e;
    }
  }

  private static ServingModel load(
      Path modelDir,
      ServingOptions options,
      ModelConfig config,
      int maxModelLen,
      Parts p,
      CompletableFuture<Tokenizer> pendingTokenizer) {
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(modelDir)) {
      boolean cuda = CudaBridge.isCuda(p.ops);
      DType activation =
          options.activation() != null ? options.activation() : cuda ? DType.BF16 : DType.F32;
      if (cuda) {
        CudaSupport.check(config, activation);
      }
      Engine.Budget budget = Engine.Budget.of(p.ops, options.gpuMemoryUtilization());
      budget.requireRoomFor(Engine.estimateWeightBytes(checkpoint, activation, cuda), "weights");
      p.weights = WeightLoader.load(checkpoint, config, activation, p.ops, options.progress());
      p.model = new LlamaModel(config, p.ops, p.weights, activation);
      int seqs = options.maxNumSeqs();
      int tokens = options.maxNumBatchedTokens();
      int bs = options.blockSize();
      int width = KvCacheSizing.blocksPerSequence(maxModelLen, bs);
      long workspace =
          workspaceBytes(config, activation, cuda, tokens, seqs, width, bs, maxModelLen);
      long kvBudget = budget.remainingAfter(p.weights.bytes() + workspace);
      DType kvDtype = cuda ? activation : DType.F32; // host tensors hold every float in 4 bytes
      int blocks =
          poolBlocks(config, kvDtype, options, width, maxModelLen, kvBudget, budget, p.weights);
      p.cache = PagedKvCache.allocate(p.ops, config, activation, blocks, bs);
      if (cuda) {
        p.io =
            CudaBridge.stepIo(
                p.ops,
                MixedBatch.capacityWords(tokens, seqs, width)
                    + CudaTokenSampler.stagedWords(seqs, maxModelLen),
                seqs * config.vocabSize());
        p.sampler =
            new CudaTokenSampler((CudaOps) p.ops, p.io, seqs, config.vocabSize(), maxModelLen);
      } else {
        p.io = StepIo.host();
        p.sampler = new ReferenceTokenSampler(p.ops, seqs);
      }
      p.decode = new DecodeRunner(p.model, p.cache, p.sampler, seqs, width, options.cudaGraphs());
      p.mixed = StepBuffers.forMixed(p.ops, config, activation, tokens, seqs, width, bs);
      p.runner =
          new BatchStepRunner(
              p.model, p.cache, p.sampler, p.io, p.decode, p.mixed, tokens, seqs, width);
      p.ops.synchronize();
      return new ServingModel(p, Engine.await(pendingTokenizer), maxModelLen);
    }
  }

  private static int maxModelLen(ModelConfig config, int requested) {
    int modelMax =
        config.maxPositionEmbeddings() > 0
            ? config.maxPositionEmbeddings()
            : Engine.DEFAULT_CONTEXT_CAP;
    int len = requested > 0 ? requested : Math.min(modelMax, Engine.DEFAULT_CONTEXT_CAP);
    if (len > modelMax) {
      throw new EngineException(
          "max model length " + len + " exceeds the model's max_position_embeddings " + modelMax);
    }
    return len;
  }

  /** Mixed-step buffers, every decode bucket's buffers, the sampler and the logprob buffers. */
  private static long workspaceBytes(
      ModelConfig c, DType act, boolean cuda, int tokens, int seqs, int width, int bs, int len) {
    long bytes = StepBuffers.mixedBytes(c, act, tokens, seqs, width, bs);
    for (int bucket = 1; ; bucket *= 2) {
      bytes += StepBuffers.decodeBytes(c, act, Math.min(bucket, seqs), width);
      if (bucket >= seqs) {
        break;
      }
    }
    bytes += BatchStepRunner.logprobBytes(seqs);
    return bytes + (cuda ? CudaTokenSampler.bytes(seqs, c.vocabSize(), len) : 0);
  }

  private static int poolBlocks(
      ModelConfig config,
      DType kvDtype,
      ServingOptions options,
      int width,
      int maxModelLen,
      long kvBudget,
      Engine.Budget budget,
      LlamaWeights weights) {
    long blockBytes = PagedKvCache.blockBytes(config, kvDtype, options.blockSize());
    long fit = Math.max(0, kvBudget) / blockBytes;
    String where =
        budget.describe(weights.bytes())
            + " and the step buffers leaves "
            + ByteSizes.format(Math.max(0, kvBudget))
            + " = "
            + fit * options.blockSize()
            + " tokens of KV cache ("
            + ByteSizes.format(blockBytes / options.blockSize())
            + " per token)";
    if (options.numKvBlocks() > 0) {
      if (options.numKvBlocks() > fit) {
        throw new EngineException(
            options.numKvBlocks() + " KV blocks were asked for, but " + where);
      }
      return options.numKvBlocks();
    }
    if (fit < width) {
      throw new EngineException(
          "the KV cache cannot hold one sequence of "
              + maxModelLen
              + " tokens: "
              + where
              + "; lower --max-model-len, --max-num-seqs or --max-num-batched-tokens, or raise"
              + " --gpu-memory-utilization");
    }
    return (int) Math.min(fit, (long) options.maxNumSeqs() * width);
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
    Set<Integer> eos = new LinkedHashSet<>(config.generation().eosTokenIds());
    eos.addAll(config.eosTokenIds());
    if (tokenizer != null) {
      for (int id : tokenizer.eosIds()) {
        eos.add(id);
      }
    }
    return eos;
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
