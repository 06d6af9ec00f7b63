package dev.kernelj.llm.cli;

import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.config.ModelConfigReader;
import dev.kernelj.llm.config.RopeScaling;
import dev.kernelj.llm.quant.QuantMethod;
import dev.kernelj.llm.quant.QuantizationConfig;
import dev.kernelj.llm.quant.QuantizationConfigReader;
import dev.kernelj.llm.quant.QuantizedFootprint;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.safetensors.SafetensorsFile;
import dev.kernelj.llm.safetensors.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a {@link ModelSummary} from a model directory: config, quantization, tokenizer and weight
 * headers.
 */
final class ModelSummarizer {
  /** bf16 K and V. */
  private static final int KV_BYTES_PER_ELEMENT = 2;

  private static final String[] QUANT_AUXILIARY = {".qzeros", ".scales", ".g_idx"};

  private ModelSummarizer() {}

  /**
   * @param contextTokens tokens for the KV cache estimate, or 0 for the model's maximum
   */
  static ModelSummary summarize(Path modelDir, long contextTokens) {
    ModelConfig config = ModelConfigReader.read(modelDir);
    QuantizationConfig quant = QuantizationConfigReader.read(modelDir).orElse(null);
    String tokenizer = TokenizerKind.detect(modelDir);
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(modelDir)) {
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
      long perToken = config.kvCacheBytesPerToken(KV_BYTES_PER_ELEMENT);
      long weights =
          quant == null
              ? checkpoint.tensorBytes()
              : QuantizedFootprint.loadedBytes(checkpoint, quant, KV_BYTES_PER_ELEMENT);
      Long twin =
          quant == null
              ? null
              : QuantizedFootprint.denseTwinBytes(checkpoint, quant, KV_BYTES_PER_ELEMENT);
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
          new ModelSummary.Memory(weights, tokens, perToken, kv, weights + kv, twin));
    }
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
        zeros);
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
