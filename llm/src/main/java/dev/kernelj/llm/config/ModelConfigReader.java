package dev.kernelj.llm.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kernelj.llm.json.JsonFields;
import dev.kernelj.llm.json.StrictJson;
import dev.kernelj.llm.util.ModelFiles;
import dev.kernelj.llm.util.ModelFormatException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads {@code config.json} and {@code generation_config.json} of a Hugging Face model directory
 * into a {@link ModelConfig}, applying the defaults of the transformers config classes of each
 * family (LlamaConfig, MistralConfig, Qwen2Config) where a key is optional, and rejecting what this
 * runtime cannot run.
 */
public final class ModelConfigReader {
  /** The model configuration file name. */
  public static final String CONFIG_FILE = "config.json";

  /** The optional generation defaults file name. */
  public static final String GENERATION_CONFIG_FILE = "generation_config.json";

  private ModelConfigReader() {}

  /** Reads the configuration of the model in {@code modelDir}. */
  public static ModelConfig read(Path modelDir) {
    ModelFiles.requireDirectory(modelDir);
    Path configFile = modelDir.resolve(CONFIG_FILE);
    Path generationFile = modelDir.resolve(GENERATION_CONFIG_FILE);
    ObjectNode generation =
        ModelFiles.isPresent(generationFile) ? readObject(generationFile) : null;
    return parse(readObject(configFile), configFile, generation, generationFile);
  }

  /**
   * Reads a small JSON file of a model directory that must hold one object (checked as a regular
   * file within {@link ModelFiles#MAX_SMALL_FILE}, strict UTF-8 and JSON); every problem is a
   * {@link ModelFormatException} naming the file.
   */
  public static ObjectNode readObject(Path file) {
    return StrictJson.parseObject(
        ModelFiles.readSmall(file, ModelFiles.MAX_SMALL_FILE), file, "(root)");
  }

  /**
   * Parses configuration texts.
   *
   * @param generationText the text of generation_config.json, or null when the file is absent
   */
  public static ModelConfig parse(
      String configText, Path configFile, String generationText, Path generationFile) {
    return parse(
        StrictJson.parseObject(configText, configFile, "(root)"),
        configFile,
        generationText == null
            ? null
            : StrictJson.parseObject(generationText, generationFile, "(root)"),
        generationFile);
  }

  private static ModelConfig parse(
      ObjectNode config, Path configFile, ObjectNode generation, Path generationFile) {
    JsonFields c = JsonFields.of(config, configFile);
    Architecture architecture = architecture(c);

    int hidden = c.requireIntAtLeast("hidden_size", 1);
    int intermediate = c.requireIntAtLeast("intermediate_size", 1);
    int layers = c.requireIntAtLeast("num_hidden_layers", 1);
    int heads = c.requireIntAtLeast("num_attention_heads", 1);
    int kvHeads = c.intOr("num_key_value_heads", heads);
    if (kvHeads < 1 || heads % kvHeads != 0) {
      throw c.error(
          "num_key_value_heads",
          "must be a positive divisor of num_attention_heads (" + heads + ") but is " + kvHeads);
    }
    int headDim = headDim(c, hidden, heads);
    int vocab = c.requireIntAtLeast("vocab_size", 1);
    int maxPositions = c.requireIntAtLeast("max_position_embeddings", 1);
    double eps = positive(c, "rms_norm_eps", c.requireDouble("rms_norm_eps"));

    JsonFields ropeParameters = c.objectOrNull("rope_parameters");
    double ropeTheta =
        c.has("rope_theta")
            ? c.requireDouble("rope_theta")
            : ropeParameters != null ? ropeParameters.doubleOr("rope_theta", 10000.0) : 10000.0;
    positive(c, "rope_theta", ropeTheta);
    // transformers 5 writes rope_parameters and may leave "rope_scaling": null beside it.
    JsonFields scaling = c.objectOrNull("rope_scaling");
    if (scaling == null) {
      scaling = ropeParameters;
    }
    RopeScaling ropeScaling =
        scaling == null ? new RopeScaling.None() : RopeScalingReader.read(scaling);

    boolean attentionBias =
        switch (architecture) {
          case QWEN2 -> true;
          case LLAMA, QWEN3 -> c.booleanOr("attention_bias", false);
          case MISTRAL -> false;
        };
    boolean mlpBias = architecture == Architecture.LLAMA && c.booleanOr("mlp_bias", false);
    int slidingWindow = slidingWindow(c, architecture, layers);
    String torchDtype =
        c.has("torch_dtype") ? c.requireString("torch_dtype") : c.stringOr("dtype", "float32");
    int bos = c.intOr("bos_token_id", -1);
    List<Integer> eos = c.intOrIntList("eos_token_id");

    GenerationConfig generationConfig =
        generation == null
            ? GenerationConfig.defaults(bos, eos)
            : GenerationConfigReader.parse(JsonFields.of(generation, generationFile), bos, eos);
    return new ModelConfig(
        architecture,
        c.stringOr("model_type", ""),
        hidden,
        intermediate,
        layers,
        heads,
        kvHeads,
        headDim,
        vocab,
        maxPositions,
        eps,
        ropeTheta,
        ropeScaling,
        c.booleanOr("tie_word_embeddings", false),
        attentionBias,
        mlpBias,
        slidingWindow,
        hiddenAct(c),
        torchDtype,
        bos,
        eos,
        generationConfig);
  }

  private static Architecture architecture(JsonFields c) {
    List<String> names = c.requireStringList("architectures");
    for (String name : names) {
      Architecture architecture = Architecture.fromHuggingFaceName(name);
      if (architecture != null) {
        return architecture;
      }
    }
    throw c.error(
        "architectures",
        (names.isEmpty() ? "is empty" : "unsupported architecture " + String.join(", ", names))
            + "; supported: "
            + String.join(", ", Architecture.supportedNames()));
  }

  /**
   * The MLP activation; transformers' {@code ACT2FN} names SiLU "silu" or "swish". Anything else
   * would run as SiLU silently and give wrong logits, so it is refused.
   */
  private static String hiddenAct(JsonFields c) {
    String act = c.stringOr("hidden_act", "silu");
    if (!act.equals("silu") && !act.equals("swish")) {
      throw c.error(
          "hidden_act",
          "unsupported activation \""
              + StrictJson.abbreviate(act)
              + "\"; the engine runs silu (swish) only");
    }
    return act;
  }

  private static int headDim(JsonFields c, int hidden, int heads) {
    if (c.has("head_dim")) {
      return c.requireIntAtLeast("head_dim", 1);
    }
    if (hidden % heads != 0) {
      throw c.error(
          "head_dim",
          "missing, and hidden_size ("
              + hidden
              + ") is not divisible by"
              + " num_attention_heads ("
              + heads
              + ") to derive it");
    }
    return hidden / heads;
  }

  /**
   * Qwen2 writes a window but uses it only when use_sliding_window is set, and then only on the
   * layers from max_window_layers on (transformers' Qwen2Attention), or where layer_types says
   * sliding_attention. One window for every layer, or none, is what the engine runs; a model that
   * mixes the two is refused.
   */
  private static int qwen2Window(JsonFields c, int layers) {
    if (!c.booleanOr("use_sliding_window", false)) {
      return 0;
    }
    if (c.has("layer_types")) {
      // Newer transformers spell the per-layer choice out: one entry per layer.
      List<String> types = c.requireStringList("layer_types");
      long sliding = types.stream().filter("sliding_attention"::equals).count();
      if (sliding == 0) {
        return 0;
      }
      if (sliding != types.size()) {
        throw c.error(
            "layer_types",
            "has "
                + sliding
                + " sliding_attention layers of "
                + types.size()
                + ": a sliding window on some layers and full attention on others is not supported");
      }
      return c.intOr("sliding_window", 4096);
    }
    int fullLayers = c.intOr("max_window_layers", 28);
    if (fullLayers >= layers) {
      return 0;
    }
    if (fullLayers > 0) {
      throw c.error(
          "max_window_layers",
          "is "
              + fullLayers
              + " of "
              + layers
              + " layers: a sliding window on some layers"
              + " and full attention on others is not supported");
    }
    return c.intOr("sliding_window", 4096);
  }

  private static int slidingWindow(JsonFields c, Architecture architecture, int layers) {
    return switch (architecture) {
      // MistralConfig defaults to 4096 when the key is absent; Mistral v0.2+ writes null to turn it
      // off.
      case MISTRAL ->
          c.raw("sliding_window") == null
              ? 4096
              : c.has("sliding_window") ? c.requireIntAtLeast("sliding_window", 1) : 0;
      case QWEN2, QWEN3 -> qwen2Window(c, layers);
      case LLAMA -> 0;
    };
  }

  static double positive(JsonFields c, String key, double value) {
    if (!(value > 0)) {
      throw c.error(key, "must be positive but is " + value);
    }
    return value;
  }
}
