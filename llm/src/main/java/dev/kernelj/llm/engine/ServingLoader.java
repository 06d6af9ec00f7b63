package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.check.ModelCheck;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.config.ModelConfigReader;
import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.LlamaWeights;
import dev.kernelj.llm.model.MixedBatch;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.model.StepBuffers;
import dev.kernelj.llm.model.WeightLoader;
import dev.kernelj.llm.quant.QuantizationConfig;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.tokenizer.Tokenizer;
import dev.kernelj.llm.util.ByteSizes;
import dev.kernelj.llm.util.Futures;
import dev.kernelj.ops.Capabilities;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.OpsOptions;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.TokenSampler;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * {@link ServingModel#open} as a pipeline, for every backend alike, in {@link EngineLoader}'s
 * stages and with its checks (the backend runs the model's attention, the weights are sane, the
 * tokenizer fits the embedding). What differs is the sizing: the KV pool takes what the memory
 * budget leaves after the weights, the mixed-step and decode-bucket buffers and the sampler, not
 * max batch x max context. When a stage fails, what the earlier ones made is closed in reverse
 * order.
 */
final class ServingLoader {
  private final LoadedParts parts = new LoadedParts();

  private ServingLoader() {}

  static ServingModel load(
      Path modelDir, ServingOptions options, CompletableFuture<Tokenizer> pendingTokenizer) {
    return new ServingLoader().run(modelDir, options, pendingTokenizer);
  }

  private ServingModel run(
      Path modelDir, ServingOptions options, CompletableFuture<Tokenizer> pendingTokenizer) {
    try {
      ModelConfig config = ModelConfigReader.read(modelDir);
      int maxModelLen = EngineLoader.contextOf(config, options.maxModelLen(), "max model length");
      Ops ops =
          parts.keep(
              options
                  .device()
                  .open(
                      options.notes(),
                      options.batchInvariant()
                          ? OpsOptions.batchInvariantMode()
                          : OpsOptions.defaults()));
      Capabilities caps = ops.capabilities();
      DType activation =
          options.activation() != null ? options.activation() : caps.preferredActivation();
      BackendSupport.check(config, activation, caps);
      MemoryBudget budget = new MemoryBudget(ops.memory(), options.gpuMemoryUtilization());
      LlamaWeights weights;
      try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(modelDir)) {
        QuantizationConfig quantization =
            EngineLoader.checkWeights(modelDir, config, checkpoint, activation, caps, budget);
        weights =
            parts.keep(
                WeightLoader.load(
                    checkpoint, config, quantization, activation, ops, options.progress()));
      }
      LlamaModel model = new LlamaModel(config, ops, weights, activation);

      int seqs = options.maxNumSeqs();
      int tokens = options.maxNumBatchedTokens();
      int bs = options.blockSize();
      int width = KvCacheSizing.blocksPerSequence(maxModelLen, bs);
      int vocab = config.vocabSize();
      TokenSampler.Shape shape = BatchStepRunner.samplerShape(seqs, vocab, maxModelLen);
      StepIo io =
          parts.keep(
              ops.stepIo(
                  MixedBatch.capacityWords(tokens, seqs, width)
                      + shape.stagedInts()
                      + BatchStepRunner.stagedInts(seqs),
                  seqs * Math.max(vocab, BatchStepRunner.MAX_LOGPROBS)));
      TokenSampler sampler = parts.keep(ops.tokenSampler(shape, io));
      long workspace =
          stepBufferBytes(config, activation, tokens, seqs, width, bs)
              + sampler.reservedBytes()
              + BatchStepRunner.scoringBytes(seqs)
              + ops.reserveLinearScratch(weights.projections(), Math.max(tokens, seqs), activation);
      long kvBudget = budget.remainingAfter(weights.bytes() + workspace);
      int blocks =
          poolBlocks(
              config,
              caps.elementBytes(activation),
              options,
              width,
              maxModelLen,
              kvBudget,
              budget,
              weights);
      PagedKvCache cache = parts.keep(PagedKvCache.allocate(ops, config, activation, blocks, bs));
      DecodeRunner decode =
          parts.keep(new DecodeRunner(model, cache, sampler, seqs, width, options.cudaGraphs()));
      StepBuffers mixed =
          parts.keep(StepBuffers.forMixed(ops, config, activation, tokens, seqs, width, bs));
      BatchStepRunner runner =
          parts.keep(
              new BatchStepRunner(model, cache, sampler, io, decode, mixed, tokens, seqs, width));
      ops.synchronize(); // stream-ordered allocations: count their mapping here, not in a step

      Tokenizer tokenizer = Futures.join(pendingTokenizer);
      if (tokenizer != null) {
        ModelCheck.tokenizerFitsEmbedding(config, tokenizer, modelDir);
      }
      return new ServingModel(
          config, tokenizer, ops, model, cache, sampler, io, decode, mixed, runner, maxModelLen);
    } catch (RuntimeException | Error e) {
      parts.closeAll(e);
      throw e;
    }
  }

  /** The mixed-step buffers and every decode bucket's buffers. */
  private static long stepBufferBytes(
      ModelConfig c, DType act, int tokens, int seqs, int width, int bs) {
    long bytes = StepBuffers.mixedBytes(c, act, tokens, seqs, width, bs);
    for (int bucket = 1; ; bucket *= 2) {
      bytes += StepBuffers.decodeBytes(c, act, Math.min(bucket, seqs), width);
      if (bucket >= seqs) {
        return bytes;
      }
    }
  }

  private static int poolBlocks(
      ModelConfig config,
      int elementBytes,
      ServingOptions options,
      int width,
      int maxModelLen,
      long kvBudget,
      MemoryBudget budget,
      LlamaWeights weights) {
    long blockBytes = PagedKvCache.blockBytes(config, elementBytes, options.blockSize());
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
}
