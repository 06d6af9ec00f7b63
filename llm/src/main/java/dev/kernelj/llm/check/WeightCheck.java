package dev.kernelj.llm.check;

import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.safetensors.SafetensorsDType;
import dev.kernelj.llm.safetensors.TensorInfo;
import dev.kernelj.llm.util.ModelFormatException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a checkpoint's tensors against what the engine will load for its configuration, from the
 * headers alone: every tensor present with the shape config.json implies and a dtype its role can
 * take, no quantized layer the engine cannot run, and nothing the engine would silently ignore that
 * changes the result (a bias it does not apply, decoder layers beyond {@code num_hidden_layers}).
 */
final class WeightCheck {
  /** Dtypes an unquantized weight may be stored in (converted to the activation dtype on load). */
  private static final Set<SafetensorsDType> FLOATS =
      EnumSet.of(SafetensorsDType.BF16, SafetensorsDType.F16, SafetensorsDType.F32);

  private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

  private final ModelConfig config;
  private final SafetensorsCheckpoint checkpoint;
  private final Set<String> used = new HashSet<>();

  private WeightCheck(ModelConfig config, SafetensorsCheckpoint checkpoint) {
    this.config = config;
    this.checkpoint = checkpoint;
  }

  static void check(ModelConfig config, SafetensorsCheckpoint checkpoint) {
    new WeightCheck(config, checkpoint).run();
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
      linear(p + "self_attn.o_proj", hidden, qDim);
      require(p + "post_attention_layernorm.weight", hidden);
      linear(p + "mlp.gate_proj", inter, hidden);
      linear(p + "mlp.up_proj", inter, hidden);
      linear(p + "mlp.down_proj", hidden, inter);
    }
    require("model.norm.weight", hidden);
    if (!config.tieWordEmbeddings()) {
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

  /** A linear layer's weight: stored as floats, or quantized (which the engine cannot run yet). */
  private void linear(String prefix, long rows, long cols) {
    if (!checkpoint.contains(prefix + ".weight") && checkpoint.contains(prefix + ".qweight")) {
      quantizedLayer(prefix);
    }
    require(prefix + ".weight", rows, cols);
  }

  /**
   * The one place that decides about quantized layers: the engine loads unquantized weights only,
   * so a GPTQ/AWQ layer ({@code qweight}, {@code qzeros}, {@code scales}) is refused here with a
   * clear message; {@code info} still describes such checkpoints.
   */
  private void quantizedLayer(String prefix) {
    throw new ModelFormatException(
        checkpoint.location(),
        prefix + ".qweight",
        "is a quantized (GPTQ/AWQ) layer; the engine runs unquantized bf16/f16/f32 weights only");
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
   * Tensors the engine would skip although they change the result: biases it does not apply and
   * layers past {@code num_hidden_layers}. Other extras (e.g. rotary {@code inv_freq} buffers of
   * old checkpoints) are harmless and allowed.
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
      if (name.endsWith(".bias")) {
        throw new ModelFormatException(
            checkpoint.fileOf(name).path(),
            name,
            "is a bias the engine does not apply"
                + (name.contains("self_attn.") && !config.attentionBias()
                    ? " (config.json does not set attention_bias)"
                    : ""));
      }
    }
  }

  private static boolean fitsInt(String digits, int layers) {
    return digits.length() < 10 && Integer.parseInt(digits) < layers;
  }
}
