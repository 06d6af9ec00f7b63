package dev.kernelj.llm.cli;

import dev.kernelj.llm.check.ModelCheck;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.config.ModelConfigReader;
import dev.kernelj.llm.config.RopeScaling;
import dev.kernelj.llm.quant.ModuleOverride;
import dev.kernelj.llm.quant.QuantMethod;
import dev.kernelj.llm.quant.QuantizationConfig;
import dev.kernelj.llm.quant.QuantizationConfigReader;
import dev.kernelj.llm.quant.QuantizedFootprint;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.safetensors.SafetensorsFile;
import dev.kernelj.llm.safetensors.TensorInfo;
import dev.kernelj.llm.tokenizer.Tokenizer;
import dev.kernelj.llm.tokenizer.TokenizerFormatException;
import dev.kernelj.llm.util.ModelFiles;
import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a {@link ModelSummary} from a model directory (config, quantization, tokenizer and weight
 * headers) and checks it as opening it in the engine would ({@link ModelCheck}), without loading
 * the weights.
 */
final class ModelSummarizer {
  /** What {@code info} found: the summary, and why the engine would refuse the model (or null). */
  record Result(ModelSummary summary, RuntimeException problem) {}

  private static final String[] QUANT_AUXILIARY = {".qzeros", ".scales", ".g_idx"};

  private ModelSummarizer() {}

  /**
   * Reads what describes the model (a file that cannot be read is an error), then checks what the
   * engine needs beyond that.
   *
   * @param contextTokens tokens for the KV cache estimate, or 0 for the model's maximum
   * @param cpu estimate memory for the CPU reference backend (every value f32) instead of a GPU
   */
  static Result summarize(Path modelDir, long contextTokens, boolean cpu) {
    ModelConfig config = ModelConfigReader.read(modelDir);
    QuantizationConfig quant = QuantizationConfigReader.read(modelDir).orElse(null);
    Tokenizer loaded = loadTokenizer(modelDir);
    String tokenizer = TokenizerKind.detect(modelDir);
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(modelDir)) {
      ModelSummary summary =
          summary(modelDir, contextTokens, cpu, config, quant, tokenizer, checkpoint);
      RuntimeException problem = null;
      try {
        ModelCheck.weights(modelDir, config, checkpoint);
        if (loaded != null) {
          ModelCheck.chatTemplate(loaded, modelDir);
          ModelCheck.tokenizerFitsEmbedding(config, loaded, modelDir);
        }
      } catch (ModelFormatException | TokenizerFormatException e) {
        problem = e;
      }
      return new Result(summary, problem);
    }
  }

  /** The tokenizer, loaded as the engine loads it (null when the directory has none). */
  private static Tokenizer loadTokenizer(Path modelDir) {
    if (!ModelFiles.isPresent(modelDir.resolve("tokenizer.json"))) {
      return null;
    }
    try {
      return Tokenizer.fromDirectory(modelDir);
    } catch (IOException e) {
      throw ModelFiles.unreadable(modelDir.resolve("tokenizer.json"), e);
    }
  }

  private static ModelSummary summary(
      Path modelDir,
      long contextTokens,
      boolean cpu,
      ModelConfig config,
      QuantizationConfig quant,
      String tokenizer,
      SafetensorsCheckpoint checkpoint) {
    Map<String, Integer> dtypes = new TreeMap<>();
    List<ModelSummary.Shard> shards = new ArrayList<>();
    for (SafetensorsFile file : checkpoint.files()) {
      shards.add(
          new ModelSummary.Shard(
              file.path().getFileName().toString(), file.fileSize(), file.tensors().size()));
      for (TensorInfo tensor : file.tensors()) {
        dtypes.merge(tensor.dtype().name(), 1, Integer::sum);
      }
    }
    long tokens = contextTokens > 0 ? contextTokens : config.maxPositionEmbeddings();
    // The reference backend holds every value as f32; CUDA keeps weights as stored, KV in bf16.
    long perToken = config.kvCacheBytesPerToken(cpu ? 4 : 2);
    long weights =
        quant != null
            ? QuantizedFootprint.loadedBytes(checkpoint, quant, cpu ? 4 : 2)
            : cpu ? 4 * parameterCount(checkpoint, null) : checkpoint.tensorBytes();
    Long twin = quant == null ? null : QuantizedFootprint.denseTwinBytes(checkpoint, quant, 2);
    // The CUDA quantized matmul's scratch, taken at load; the reference backend needs none.
    Long scratch =
        quant == null || cpu
            ? null
            : QuantizedFootprint.matmulScratchBytes(checkpoint, quant, tokens, 2);
    long kv = Math.multiplyExact(tokens, perToken);
    return new ModelSummary(
        modelDir.toString(),
        config.architecture().huggingFaceName(),
        config.modelType(),
        parameterCount(checkpoint, quant),
        config.torchDtype(),
        dtypes,
        quantization(quant),
        config.numLayers(),
        config.numHeads(),
        config.numKvHeads(),
        config.headDim(),
        config.hiddenSize(),
        config.intermediateSize(),
        config.vocabSize(),
        config.maxPositionEmbeddings(),
        config.ropeTheta(),
        describe(config.ropeScaling()),
        config.slidingWindow(),
        config.tieWordEmbeddings(),
        tokenizer,
        shards,
        new ModelSummary.Memory(
            cpu ? "cpu" : "cuda",
            cpu ? "f32" : "bf16",
            weights,
            tokens,
            perToken,
            kv,
            scratch,
            weights + kv + (scratch == null ? 0 : scratch),
            twin));
  }

  /**
   * Counts parameters as transformers' {@code num_parameters()} would for the unquantized model:
   * every tensor's elements, except that a quantized layer counts its unpacked weight and not its
   * scales, zeros or g_idx.
   */
  static long parameterCount(SafetensorsCheckpoint checkpoint, QuantizationConfig quant) {
    long total = 0;
    for (String name : checkpoint.tensorNames()) {
      TensorInfo tensor = checkpoint.info(name);
      if (quant != null && name.endsWith(".qweight") && tensor.rank() == 2) {
        // GPTQ packs along the input (rows), AWQ along the output (columns): either way one factor.
        total += tensor.elementCount() * (32 / quant.bits());
      } else if (quant == null || !isQuantAuxiliary(checkpoint, name)) {
        total += tensor.elementCount();
      }
    }
    return total;
  }

  private static boolean isQuantAuxiliary(SafetensorsCheckpoint checkpoint, String name) {
    for (String suffix : QUANT_AUXILIARY) {
      if (name.endsWith(suffix)) {
        String layer = name.substring(0, name.length() - suffix.length());
        return checkpoint.contains(layer + ".qweight");
      }
    }
    return false;
  }

  private static ModelSummary.Quantization quantization(QuantizationConfig quant) {
    if (quant == null) {
      return null;
    }
    String zeros =
        quant.method() == QuantMethod.AWQ
            ? "awq"
            : switch (quant.zeroFormat()) {
              case STORED_MINUS_ONE -> "gptq (v1, stored zero - 1)";
              case EXACT -> "gptq_v2";
            };
    return new ModelSummary.Quantization(
        quant.method().configName(),
        quant.bits(),
        quant.groupSize(),
        quant.descAct(),
        quant.sym(),
        zeros,
        quant.overrides().stream().map(ModelSummarizer::describe).toList());
  }

  /** One {@code dynamic} entry: its pattern and what it changes. */
  static String describe(ModuleOverride o) {
    String pattern = o.pattern().pattern();
    if (o.exclude()) {
      return pattern + ": not quantized";
    }
    List<String> changes = new ArrayList<>();
    if (o.bits() > 0) {
      changes.add(o.bits() + "-bit");
    }
    if (o.groupSize() != 0) {
      changes.add("group size " + (o.groupSize() == -1 ? "-1 (one group)" : o.groupSize()));
    }
    return pattern + ": " + (changes.isEmpty() ? "as the checkpoint" : String.join(", ", changes));
  }

  static String describe(RopeScaling scaling) {
    if (scaling instanceof RopeScaling.Linear linear) {
      return String.format(Locale.ROOT, "linear (factor %s)", linear.factor());
    }
    if (scaling instanceof RopeScaling.Llama3 llama3) {
      return String.format(
          Locale.ROOT,
          "llama3 (factor %s, low/high freq factor %s/%s, original context %d)",
          llama3.factor(),
          llama3.lowFreqFactor(),
          llama3.highFreqFactor(),
          llama3.originalMaxPositionEmbeddings());
    }
    return "none";
  }
}
