package dev.kernelj.llm.check;

import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.quant.ForeignQuantization;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.safetensors.SafetensorsDType;
import dev.kernelj.llm.safetensors.TensorInfo;
import dev.kernelj.llm.safetensors.TensorView;
import dev.kernelj.llm.util.ModelFormatException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a checkpoint's tensors against what the engine will load for its configuration, from the
 * headers (and the values of biases the engine does not apply): every tensor present with the shape
 * config.json implies and a dtype its role can take, quantized (GPTQ/AWQ) layers only where the
 * model directory has quantization settings, and nothing the engine would silently ignore that
 * changes the result (a nonzero bias it does not apply, decoder layers beyond {@code
 * num_hidden_layers}).
 */
final class WeightCheck {
  /** Dtypes an unquantized weight may be stored in (converted to the activation dtype on load). */
  private static final Set<SafetensorsDType> FLOATS =
      EnumSet.of(SafetensorsDType.BF16, SafetensorsDType.F16, SafetensorsDType.F32);

  private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

  /** The tensors of a GPTQ/AWQ layer, which its loader checks against the layer's shapes. */
  private static final List<String> QUANTIZED_PARTS =
      List.of(".qweight", ".qzeros", ".scales", ".g_idx");

  /** The largest unused bias read to see whether it is all zeros (a 1M-output layer's, in f32). */
  private static final long MAX_BIAS_BYTES = 4L << 20;

  private final ModelConfig config;
  private final boolean quantized;
  private final SafetensorsCheckpoint checkpoint;
  private final Set<String> used = new HashSet<>();

  private WeightCheck(ModelConfig config, boolean quantized, SafetensorsCheckpoint checkpoint) {
    this.config = config;
    this.quantized = quantized;
    this.checkpoint = checkpoint;
  }

  /**
   * @param quantized whether the model directory has quantization settings (so that layers stored
   *     as {@code qweight/qzeros/scales} are loaded quantized)
   */
  static void check(ModelConfig config, boolean quantized, SafetensorsCheckpoint checkpoint) {
    new WeightCheck(config, quantized, checkpoint).run();
  }

  private void run() {
    int hidden = config.hiddenSize();
    int qDim = config.numHeads() * config.headDim();
    int kvDim = config.numKvHeads() * config.headDim();
    int inter = config.intermediateSize();
    if (config.mlpBias()) {
      throw new ModelFormatException(
          checkpoint.location(), "mlp_bias", "MLP biases are not supported by the engine");
    }
    require("model.embed_tokens.weight", config.vocabSize(), hidden);
    for (int l = 0; l < config.numLayers(); l++) {
      String p = "model.layers." + l + ".";
      require(p + "input_layernorm.weight", hidden);
      linear(p + "self_attn.q_proj", qDim, hidden);
      linear(p + "self_attn.k_proj", kvDim, hidden);
      linear(p + "self_attn.v_proj", kvDim, hidden);
      if (config.attentionBias()) {
        require(p + "self_attn.q_proj.bias", qDim);
        require(p + "self_attn.k_proj.bias", kvDim);
        require(p + "self_attn.v_proj.bias", kvDim);
      }
      if (config.qkNorm()) {
        require(p + "self_attn.q_norm.weight", config.headDim());
        require(p + "self_attn.k_norm.weight", config.headDim());
      }
      linear(p + "self_attn.o_proj", hidden, qDim);
      require(p + "post_attention_layernorm.weight", hidden);
      linear(p + "mlp.gate_proj", inter, hidden);
      linear(p + "mlp.up_proj", inter, hidden);
      linear(p + "mlp.down_proj", hidden, inter);
    }
    require("model.norm.weight", hidden);
    if (!config.tieWordEmbeddings() && !isQuantized("lm_head")) {
      if (!checkpoint.contains("lm_head.weight")) {
        throw new ModelFormatException(
            checkpoint.location(),
            "lm_head.weight",
            "is missing and config.json does not set tie_word_embeddings");
      }
      require("lm_head.weight", config.vocabSize(), hidden);
    }
    refuseWhatWouldBeIgnored();
  }

  /**
   * A linear layer's weight: stored as floats, or quantized where the model has quantization
   * settings; a missing weight says which foreign quantized layout holds the layer instead, if one
   * does ({@link ForeignQuantization}).
   */
  private void linear(String prefix, long rows, long cols) {
    if (isQuantized(prefix)) {
      return;
    }
    if (!checkpoint.contains(prefix + ".weight")) {
      throw ForeignQuantization.missing(
          checkpoint, prefix + ".weight", config.architecture().huggingFaceName());
    }
    require(prefix + ".weight", rows, cols);
  }

  /**
   * Whether module {@code prefix} is a GPTQ/AWQ layer the engine loads quantized: the model has
   * quantization settings and the checkpoint stores the module's {@code qweight}. Its tensors count
   * as used.
   */
  private boolean isQuantized(String prefix) {
    if (!quantized || !checkpoint.contains(prefix + ".qweight")) {
      return false;
    }
    for (String part : QUANTIZED_PARTS) {
      used.add(prefix + part);
    }
    return true;
  }

  private void require(String name, long... shape) {
    if (!checkpoint.contains(name)) {
      throw ModelFormatException.missingTensor(
          checkpoint.location(), name, config.architecture().huggingFaceName());
    }
    TensorInfo info = checkpoint.info(name);
    if (!FLOATS.contains(info.dtype())) {
      throw new ModelFormatException(
          checkpoint.fileOf(name).path(),
          name,
          "has dtype "
              + info.dtype()
              + "; a "
              + (shape.length == 1 ? "norm weight or bias" : "weight matrix")
              + " must be BF16, F16 or F32");
    }
    if (!Arrays.equals(info.shape(), shape)) {
      throw ModelFormatException.wrongShape(
          checkpoint.fileOf(name).path(), name, info.shape(), shape);
    }
    used.add(name);
  }

  /**
   * Tensors the engine would skip although they change the result: nonzero biases and norms it does
   * not apply, and layers past {@code num_hidden_layers}. Other extras (e.g. rotary {@code
   * inv_freq} buffers of old checkpoints) are harmless and allowed.
   */
  private void refuseWhatWouldBeIgnored() {
    for (String name : checkpoint.tensorNames()) {
      if (used.contains(name)) {
        continue;
      }
      Matcher layer = LAYER.matcher(name);
      if (layer.matches() && !fitsInt(layer.group(1), config.numLayers())) {
        throw new ModelFormatException(
            checkpoint.fileOf(name).path(),
            name,
            "belongs to a decoder layer beyond num_hidden_layers ("
                + config.numLayers()
                + " in config.json); the checkpoint and the config disagree");
      }
      if (name.endsWith("_norm.weight") || name.endsWith("layernorm.weight")) {
        throw new ModelFormatException(
            checkpoint.fileOf(name).path(),
            name,
            "is a norm the engine does not apply to a "
                + config.architecture().huggingFaceName()
                + (name.contains("q_norm") || name.contains("k_norm")
                    ? " (q_norm and k_norm are Qwen3's: is config.json's architectures right?)"
                    : ""));
      }
      // GPTQ-for-LLaMa's layers keep a bias buffer of zeros whether the model has biases or not,
      // and checkpoints it made carry them: skipping zeros changes nothing.
      if (name.endsWith(".bias") && !allZero(checkpoint.tensor(name))) {
        throw new ModelFormatException(
            checkpoint.fileOf(name).path(),
            name,
            "is a nonzero bias the engine does not apply"
                + (name.contains("self_attn.") && !config.attentionBias()
                    ? " (config.json does not set attention_bias)"
                    : ""));
      }
    }
  }

  /** Whether every value of a floating tensor of bias size is zero (a NaN is not). */
  private static boolean allZero(TensorView tensor) {
    if (!FLOATS.contains(tensor.dtype()) || tensor.byteLength() > MAX_BIAS_BYTES) {
      return false;
    }
    for (float v : tensor.toFloatArray()) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean fitsInt(String digits, int layers) {
    return digits.length() < 10 && Integer.parseInt(digits) < layers;
  }
}
