package dev.kernelj.llm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.testing.TinyModels;
import dev.kernelj.llm.testing.TinyModels.Family;
import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigReaderTest {
  private static final Path CONFIG = Path.of("m", "config.json");

  @TempDir Path dir;

  private static ModelConfig parse(String json) {
    return ModelConfigReader.parse(json, CONFIG, null, null);
  }

  @Test
  void llama2() {
    ModelConfig c = parse(TinyModels.configJson(Family.LLAMA2));
    assertEquals(Architecture.LLAMA, c.architecture());
    assertEquals(64, c.hiddenSize());
    assertEquals(16, c.headDim());
    assertEquals(2, c.queryGroupSize());
    assertInstanceOf(RopeScaling.None.class, c.ropeScaling());
    assertEquals(10000.0, c.ropeTheta());
    assertEquals(List.of(2), c.eosTokenIds());
    assertEquals(1, c.bosTokenId());
    assertFalse(c.tieWordEmbeddings());
    assertEquals(0, c.slidingWindow());
    assertEquals("bfloat16", c.torchDtype());
    assertEquals(
        List.of(2), c.generation().eosTokenIds(), "no generation_config.json: config's ids");
  }

  @Test
  void llama31RopeScalingAndEosList() {
    ModelConfig c = parse(TinyModels.configJson(Family.LLAMA3_1));
    RopeScaling.Llama3 rope = assertInstanceOf(RopeScaling.Llama3.class, c.ropeScaling());
    assertEquals(new RopeScaling.Llama3(8.0, 1.0, 4.0, 8192), rope);
    assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
    assertEquals(131072, c.maxPositionEmbeddings());
    assertEquals(500000.0, c.ropeTheta());
  }

  @Test
  void transformers5RopeParametersBesideANullRopeScaling() {
    String v5 =
        """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 256,
                 "intermediate_size": 512, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "num_key_value_heads": 2, "vocab_size": 300, "max_position_embeddings": 2048,
                 "rms_norm_eps": 1e-5, "rope_scaling": null,
                 "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0,
                                     "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                     "original_max_position_embeddings": 8192}}
                """;
    ModelConfig c = parse(v5);
    assertEquals(new RopeScaling.Llama3(32.0, 1.0, 4.0, 8192), c.ropeScaling());
    assertEquals(500000.0, c.ropeTheta());
  }

  @Test
  void llama32TiedEmbeddings() {
    ModelConfig c = parse(TinyModels.configJson(Family.LLAMA3_2));
    assertTrue(c.tieWordEmbeddings());
    assertEquals(32.0, ((RopeScaling.Llama3) c.ropeScaling()).factor());
  }

  @Test
  void mistralSlidingWindow() {
    assertEquals(4096, parse(TinyModels.configJson(Family.MISTRAL)).slidingWindow());
    String withoutKey =
        TinyModels.configJson(Family.MISTRAL).replace("\"sliding_window\": 4096,", "");
    assertEquals(4096, parse(withoutKey).slidingWindow(), "MistralConfig's default");
    String nullWindow = TinyModels.configJson(Family.MISTRAL).replace("4096", "null");
    assertEquals(0, parse(nullWindow).slidingWindow(), "v0.2+: null turns it off");
    assertFalse(parse(TinyModels.configJson(Family.MISTRAL)).attentionBias());
  }

  @Test
  void qwenBiasTiedAndUnusedWindow() {
    ModelConfig c = parse(TinyModels.configJson(Family.QWEN2_5));
    assertEquals(Architecture.QWEN2, c.architecture());
    assertTrue(c.attentionBias());
    assertTrue(c.tieWordEmbeddings());
    assertEquals(0, c.slidingWindow(), "use_sliding_window false");
    assertEquals(1e-6, c.rmsNormEps());
  }

  /** Qwen3-0.6B's config.json as its release ships it (transformers 4.51). */
  @Test
  void qwen3HeadDimBeyondHiddenOverHeadsAndHeadNorms() {
    ModelConfig c =
        parse(
            """
            {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
             "hidden_size": 1024, "initializer_range": 0.02, "intermediate_size": 3072,
             "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
             "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8,
             "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null,
             "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.51.0",
             "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}
            """);
    assertEquals(Architecture.QWEN3, c.architecture());
    assertTrue(c.qkNorm());
    assertFalse(c.attentionBias());
    assertEquals(128, c.headDim());
    assertEquals(16 * 128, c.numHeads() * c.headDim(), "q is wider than hidden_size");
    assertEquals(0, c.slidingWindow());
    assertTrue(c.tieWordEmbeddings());
    assertFalse(parse(TinyModels.configJson(Family.QWEN2_5)).qkNorm());
  }

  @Test
  void qwenWindowAppliesOnlyWhenEveryLayerUsesIt() {
    String on =
        TinyModels.configJson(Family.QWEN2_5)
            .replace("\"use_sliding_window\": false", "\"use_sliding_window\": true");
    assertEquals(
        0,
        parse(on).slidingWindow(),
        "max_window_layers 28 covers every layer: full attention everywhere");
    assertEquals(
        131072,
        parse(on.replace("\"max_window_layers\": 28", "\"max_window_layers\": 0")).slidingWindow(),
        "sliding_window as written");
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class,
            () -> parse(on.replace("\"max_window_layers\": 28", "\"max_window_layers\": 1")));
    assertTrue(e.getMessage().contains("max_window_layers"), e.getMessage());
    String typed =
        on.replace(
            "\"max_window_layers\": 28,", "\"max_window_layers\": 28, \"layer_types\": [%s],");
    assertEquals(
        131072,
        parse(typed.formatted("\"sliding_attention\", \"sliding_attention\"")).slidingWindow(),
        "layer_types wins over max_window_layers");
    assertEquals(
        0, parse(typed.formatted("\"full_attention\", \"full_attention\"")).slidingWindow());
    ModelFormatException mixed =
        assertThrows(
            ModelFormatException.class,
            () -> parse(typed.formatted("\"full_attention\", \"sliding_attention\"")));
    assertTrue(mixed.getMessage().contains("layer_types"), mixed.getMessage());
  }

  @Test
  void defaultsForOptionalKeys() {
    String json =
        """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 96, "intermediate_size": 128,
                 "num_hidden_layers": 1, "num_attention_heads": 6, "vocab_size": 10,
                 "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "dtype": "float16",
                 "rope_scaling": {"type": "linear", "factor": 2.0}}
                """;
    ModelConfig c = parse(json);
    assertEquals(6, c.numKvHeads());
    assertEquals(16, c.headDim());
    assertEquals("float16", c.torchDtype());
    assertEquals(new RopeScaling.Linear(2.0), c.ropeScaling());
    assertEquals(List.of(), c.eosTokenIds());
  }

  @Test
  void generationConfigOverridesAndDefaults() throws IOException {
    TinyModels.writeMetadataFiles(dir, Family.LLAMA3_1);
    ModelConfig c = ModelConfigReader.read(dir);
    GenerationConfig g = c.generation();
    assertEquals(List.of(2, 3), g.eosTokenIds());
    assertTrue(g.doSample());
    assertEquals(0.6, g.temperature());
    assertEquals(0.9, g.topP());
    assertEquals(50, g.topK(), "Hugging Face default");
  }

  @Test
  void missingKeyNamesFileAndKey() {
    String json = TinyModels.configJson(Family.LLAMA2).replace("\"hidden_size\": 64,", "");
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> parse(json));
    assertEquals(CONFIG, e.file());
    assertEquals("hidden_size", e.field());
    assertTrue(
        e.getMessage().contains("config.json")
            && e.getMessage().contains("hidden_size")
            && e.getMessage().contains("missing"),
        e.getMessage());
  }

  @Test
  void unknownArchitectureListsSupported() {
    String json =
        TinyModels.configJson(Family.LLAMA2).replace("LlamaForCausalLM", "GPTNeoXForCausalLM");
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> parse(json));
    assertEquals("architectures", e.field());
    assertTrue(
        e.getMessage().contains("GPTNeoXForCausalLM")
            && e.getMessage().contains("LlamaForCausalLM")
            && e.getMessage().contains("MistralForCausalLM")
            && e.getMessage().contains("Qwen2ForCausalLM")
            && e.getMessage().contains("Qwen3ForCausalLM"),
        e.getMessage());
  }

  @Test
  void wrongTypesAndValuesAreNamed() {
    assertField(
        "num_hidden_layers",
        TinyModels.configJson(Family.LLAMA2)
            .replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": \"2\""));
    assertField(
        "num_hidden_layers",
        TinyModels.configJson(Family.LLAMA2)
            .replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 2.0"));
    assertField(
        "num_key_value_heads",
        TinyModels.configJson(Family.LLAMA2)
            .replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"));
    assertField(
        "rope_scaling.rope_type",
        TinyModels.configJson(Family.LLAMA3_1)
            .replace("\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\""));
    assertField(
        "rope_scaling.original_max_position_embeddings",
        TinyModels.configJson(Family.LLAMA3_1)
            .replace("\"original_max_position_embeddings\": 8192,", ""));
    assertField(
        "eos_token_id[1]", TinyModels.configJson(Family.LLAMA3_1).replace("128008", "\"x\""));
    assertField(
        "vocab_size",
        TinyModels.configJson(Family.LLAMA2)
            .replace("\"vocab_size\": 256", "\"vocab_size\": 99999999999999999999"));
    assertField("(root)", "[1, 2]");
    assertField("a", "{\"a\": 1, \"a\": 2}");
    assertField("(root)", "{\"a\": 1} trailing");
  }

  @Test
  void missingFileIsNamed() {
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> ModelConfigReader.read(dir));
    assertEquals(dir.resolve("config.json"), e.file());
    assertTrue(e.getMessage().contains("not found"));
  }

  private static void assertField(String field, String json) {
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> parse(json), json);
    assertEquals(field, e.field(), e.getMessage());
    assertTrue(e.getMessage().startsWith(CONFIG.toString()), e.getMessage());
  }

  @Test
  void realFileRoundTrip() throws IOException {
    Files.writeString(dir.resolve("config.json"), TinyModels.configJson(Family.QWEN2_5));
    assertEquals(Architecture.QWEN2, ModelConfigReader.read(dir).architecture());
  }
}
