package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.check.ModelCheck;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.config.ModelConfigReader;
import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.LlamaWeights;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.model.StepBuffers;
import dev.kernelj.llm.model.WeightLoader;
import dev.kernelj.llm.quant.QuantizationConfig;
import dev.kernelj.llm.quant.QuantizedFootprint;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.safetensors.SafetensorsDType;
import dev.kernelj.llm.tokenizer.Tokenizer;
import dev.kernelj.llm.util.Futures;
import dev.kernelj.ops.Capabilities;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.TokenSampler;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * {@link Engine#open} as a pipeline, one stage after the other, for every backend alike: read the
 * config, open the backend, check that its attention runs the model (before a single weight moves),
 * measure the memory budget, check the weights and the quantization settings (and that the backend
 * runs that quantization), load the weights (GPTQ/AWQ layers packed for the quantized matmul), make
 * the step machinery (step I/O and the token sampler), size and allocate the KV cache from what is
 * left, build the model and its decode runner, and wait for the tokenizer, which loads on its own
 * thread meanwhile. Each stage is timed ({@link LoadTimings}); when a stage fails, what the earlier
 * ones made is closed in reverse order.
 */
final class EngineLoader {
  private final LoadedParts parts = new LoadedParts();

  private EngineLoader() {}

  static Engine load(
      Path modelDir,
      EngineOptions options,
      CompletableFuture<Tokenizer> pendingTokenizer,
      long processStartToOpen) {
    return new EngineLoader().run(modelDir, options, pendingTokenizer, processStartToOpen);
  }

  private Engine run(
      Path modelDir,
      EngineOptions options,
      CompletableFuture<Tokenizer> pendingTokenizer,
      long processStartToOpen) {
    long start = System.nanoTime();
    try {
      ModelConfig config = ModelConfigReader.read(modelDir);
      int maxContext = contextOf(config, options.maxContext(), "max context");
      int maxBatch = options.maxBatch();
      long configNanos = System.nanoTime() - start;
      long backendStart = System.nanoTime();

      Ops ops = parts.keep(options.device().open(options.notes()));
      Capabilities caps = ops.capabilities();
      DType activation = BackendSupport.activation(options, caps);
      BackendSupport.check(config, activation, caps);
      long backendNanos = System.nanoTime() - backendStart;

      long checkpointStart = System.nanoTime();
      LlamaWeights weights;
      long weightsStart;
      MemoryBudget budget = new MemoryBudget(ops.memory(), options.gpuMemoryUtilization());
      try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(modelDir)) {
        QuantizationConfig quantization =
            checkWeights(modelDir, config, checkpoint, activation, caps, budget);
        weightsStart = System.nanoTime();
        configNanos += weightsStart - checkpointStart; // the checkpoint's headers count as config
        weights =
            parts.keep(
                WeightLoader.load(
                    checkpoint, config, quantization, activation, ops, options.progress()));
        ops.synchronize(); // the last copies are queued: wait, so the weights phase is timed whole
      }
      long weightsDone = System.nanoTime();

      // One step writes its packed inputs (a prefill's or a decode's) and the sampler's rows.
      int blocksPerSeq = KvCacheSizing.blocksPerSequence(maxContext, options.blockSize());
      var samplerShape = new TokenSampler.Shape(maxBatch, config.vocabSize(), maxContext, 0);
      int inputWords =
          Math.max(
              StepBuffers.inputWords(maxContext, 1, 1),
              StepBuffers.inputWords(maxBatch, maxBatch, blocksPerSeq));
      StepIo io =
          parts.keep(
              ops.stepIo(inputWords + samplerShape.stagedInts(), maxBatch * config.vocabSize()));
      TokenSampler sampler = parts.keep(ops.tokenSampler(samplerShape, io));
      long setupPart = System.nanoTime() - weightsDone;

      long cacheStart = System.nanoTime();
      long stepBytes =
          StepBuffers.decodeBytes(config, activation, maxBatch, blocksPerSeq) * 2
              + StepBuffers.decodeBytes(config, activation, maxContext, 1)
              + sampler.reservedBytes()
              + ops.reserveLinearScratch(
                  weights.multipliedByLlamaModel(), Math.max(maxContext, maxBatch), activation);
      int blocks =
          KvCacheSizing.blocks(
              config,
              caps.elementBytes(activation),
              options.blockSize(),
              budget.remainingAfter(weights.bytes() + stepBytes),
              maxBatch,
              maxContext,
              budget.describe(weights.bytes()));
      PagedKvCache cache =
          parts.keep(PagedKvCache.allocate(ops, config, activation, blocks, options.blockSize()));
      ops.synchronize(); // stream-ordered allocations: count their mapping here, not in a step
      long cacheDone = System.nanoTime();

      LlamaModel model = new LlamaModel(config, ops, weights, activation);
      DecodeRunner runner =
          parts.keep(
              new DecodeRunner(
                  model, cache, sampler, maxBatch, blocksPerSeq, options.cudaGraphs()));
      long setupDone = System.nanoTime();

      Tokenizer tokenizer = Futures.join(pendingTokenizer);
      if (tokenizer != null) {
        ModelCheck.tokenizerFitsEmbedding(config, tokenizer, modelDir);
      }
      long tokenizerDone = System.nanoTime();
      LoadTimings timings =
          new LoadTimings(
              processStartToOpen,
              configNanos,
              backendNanos,
              weightsDone - weightsStart,
              weights.bytes(),
              cacheDone - cacheStart,
              cache.bytes(),
              setupPart + (setupDone - cacheDone),
              tokenizerDone - setupDone);
      return new Engine(
          config, tokenizer, ops, model, cache, runner, sampler, io, maxContext, maxBatch, timings);
    } catch (RuntimeException | Error e) {
      parts.closeAll(e);
      throw e;
    }
  }

  /**
   * The context {@code requested} asks for (0: the model's), capped by the model and {@link
   * Engine#DEFAULT_CONTEXT_CAP}; {@code name} names the setting in the error when the model allows
   * less.
   */
  static int contextOf(ModelConfig config, int requested, String name) {
    int modelMax =
        config.maxPositionEmbeddings() > 0
            ? config.maxPositionEmbeddings()
            : Engine.DEFAULT_CONTEXT_CAP;
    int context = requested > 0 ? requested : Math.min(modelMax, Engine.DEFAULT_CONTEXT_CAP);
    if (context > modelMax) {
      throw new ContextBeyondModelException(context, modelMax);
    }
    return context;
  }

  /**
   * Checks a checkpoint before its weights load: its tensors against config.json and its
   * quantization settings ({@link ModelCheck#weights}), the quantization against the backend, and
   * the bytes the weights will take against the budget. Both loaders, the static-batch engine's and
   * the serving engine's, call this, so that a model one of them runs the other runs too.
   *
   * @return the checkpoint's quantization, null when it is not quantized
   */
  static QuantizationConfig checkWeights(
      Path modelDir,
      ModelConfig config,
      SafetensorsCheckpoint checkpoint,
      DType activation,
      Capabilities caps,
      MemoryBudget budget) {
    QuantizationConfig quantization = ModelCheck.weights(modelDir, config, checkpoint).orElse(null);
    BackendSupport.checkQuantized(quantization, activation, caps);
    budget.requireRoomFor(
        quantization != null
            ? QuantizedFootprint.loadedBytes(
                checkpoint, quantization, caps.elementBytes(activation))
            : estimateWeightBytes(checkpoint, activation, caps),
        "weights");
    return quantization;
  }

  /**
   * Bytes the weights will take in the backend's memory: matrices keep their stored dtype when the
   * activations are f32, else take the activation dtype (as {@link WeightLoader} does).
   */
  static long estimateWeightBytes(
      SafetensorsCheckpoint checkpoint, DType activation, Capabilities caps) {
    long total = 0;
    for (String name : checkpoint.tensorNames()) {
      var info = checkpoint.info(name);
      DType kept = activation == DType.F32 ? tensorDtype(info.dtype()) : activation;
      long perElement = kept != null ? caps.elementBytes(kept) : info.dtype().byteSize();
      total += info.elementCount() * perElement;
    }
    return total;
  }

  private static DType tensorDtype(SafetensorsDType stored) {
    return switch (stored) {
      case F32 -> DType.F32;
      case F16 -> DType.F16;
      case BF16 -> DType.BF16;
      case I32 -> DType.I32;
      case I8 -> DType.I8;
      case U8 -> DType.U8;
      default -> null;
    };
  }
}
