package dev.kernelj.llm.testing;

import dev.kernelj.llm.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;

/**
 * Writes tiny model directories with the real files, keys and tensor names of Llama 2, Llama 3.1,
 * Llama 3.2, Mistral and Qwen2.5 (random weights; hidden 64, 4 heads, 2 KV heads, 2 layers, vocab
 * 256).
 */
public final class TinyModels {
  public static final int HIDDEN = 64;
  public static final int INTERMEDIATE = 128;
  public static final int LAYERS = 2;
  public static final int HEADS = 4;
  public static final int KV_HEADS = 2;
  public static final int HEAD_DIM = 16;
  public static final int VOCAB = 256;

  /** The families, with their config.json and tokenizer flavour. */
  public enum Family {
    LLAMA2("LlamaForCausalLM", "llama", 4096, false, false),
    LLAMA3_1("LlamaForCausalLM", "llama", 131072, false, true),
    LLAMA3_2("LlamaForCausalLM", "llama", 131072, true, true),
    MISTRAL("MistralForCausalLM", "mistral", 32768, false, false),
    QWEN2_5("Qwen2ForCausalLM", "qwen2", 32768, true, true);

    final String architecture;
    final String modelType;
    final int maxPositions;
    final boolean tied;
    final boolean byteLevel;

    Family(
        String architecture, String modelType, int maxPositions, boolean tied, boolean byteLevel) {
      this.architecture = architecture;
      this.modelType = modelType;
      this.maxPositions = maxPositions;
      this.tied = tied;
      this.byteLevel = byteLevel;
    }

    public boolean tied() {
      return tied;
    }
  }

  private TinyModels() {}

  /** The config.json text of {@code family}. */
  public static String configJson(Family family) {
    String common =
        String.format(
            Locale.ROOT,
            """
                  "architectures": ["%s"],
                  "model_type": "%s",
                  "hidden_size": %d,
                  "intermediate_size": %d,
                  "num_hidden_layers": %d,
                  "num_attention_heads": %d,
                  "num_key_value_heads": %d,
                  "vocab_size": %d,
                  "max_position_embeddings": %d,
                  "hidden_act": "silu",
                  "tie_word_embeddings": %s,
                  "torch_dtype": "bfloat16",
                """,
            family.architecture,
            family.modelType,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            HEADS,
            KV_HEADS,
            VOCAB,
            family.maxPositions,
            family.tied);
    String specific =
        switch (family) {
          case LLAMA2 ->
              """
                      "rms_norm_eps": 1e-05,
                      "rope_theta": 10000.0,
                      "rope_scaling": null,
                      "bos_token_id": 1,
                      "eos_token_id": 2,
                      "attention_bias": false
                    """;
          case LLAMA3_1, LLAMA3_2 ->
              """
                      "rms_norm_eps": 1e-05,
                      "rope_theta": 500000.0,
                      "rope_scaling": {"factor": %s, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                       "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                      "bos_token_id": 128000,
                      "eos_token_id": [128001, 128008, 128009],
                      "head_dim": 16,
                      "mlp_bias": false
                    """
                  .formatted(family == Family.LLAMA3_1 ? "8.0" : "32.0");
          case MISTRAL ->
              """
                      "rms_norm_eps": 1e-05,
                      "rope_theta": 1000000.0,
                      "sliding_window": 4096,
                      "bos_token_id": 1,
                      "eos_token_id": 2
                    """;
          case QWEN2_5 ->
              """
                      "rms_norm_eps": 1e-06,
                      "rope_theta": 1000000.0,
                      "sliding_window": 131072,
                      "use_sliding_window": false,
                      "max_window_layers": 28,
                      "bos_token_id": 151643,
                      "eos_token_id": 151645
                    """;
        };
    return "{\n" + common + specific + "}\n";
  }

  /**
   * A minimal tokenizer.json with the family's components (vocabulary trimmed to a few entries).
   */
  public static String tokenizerJson(Family family) {
    if (family.byteLevel) {
      return """
                    {"version": "1.0", "added_tokens": [],
                     "normalizer": null,
                     "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                        {"type": "Split", "pattern": {"Regex": "\\\\p{L}+"}, "behavior": "Isolated", "invert": false},
                        {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]},
                     "post_processor": null,
                     "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true},
                     "model": {"type": "BPE", "dropout": null, "unk_token": null, "byte_fallback": false,
                               "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}
                    """;
    }
    return """
                {"version": "1.0", "added_tokens": [],
                 "normalizer": {"type": "Sequence", "normalizers": [
                    {"type": "Prepend", "prepend": "\u2581"}, {"type": "Replace", "pattern": {"String": " "},
                     "content": "\u2581"}]},
                 "pre_tokenizer": null,
                 "decoder": {"type": "Sequence", "decoders": [
                    {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                    {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1,
                     "stop": 0}]},
                 "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": true,
                           "vocab": {"<unk>": 0, "a": 1, "b": 2, "ab": 3}, "merges": ["a b"]}}
                """;
  }

  /**
   * Names and shapes of every tensor of the family's unquantized checkpoint, in Hugging Face order.
   */
  public static Map<String, long[]> tensorShapes(Family family) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("model.embed_tokens.weight", new long[] {VOCAB, HIDDEN});
    for (int l = 0; l < LAYERS; l++) {
      String p = "model.layers." + l + ".";
      shapes.put(p + "input_layernorm.weight", new long[] {HIDDEN});
      shapes.put(p + "self_attn.q_proj.weight", new long[] {HEADS * HEAD_DIM, HIDDEN});
      shapes.put(p + "self_attn.k_proj.weight", new long[] {KV_HEADS * HEAD_DIM, HIDDEN});
      shapes.put(p + "self_attn.v_proj.weight", new long[] {KV_HEADS * HEAD_DIM, HIDDEN});
      if (family == Family.QWEN2_5) {
        shapes.put(p + "self_attn.q_proj.bias", new long[] {HEADS * HEAD_DIM});
        shapes.put(p + "self_attn.k_proj.bias", new long[] {KV_HEADS * HEAD_DIM});
        shapes.put(p + "self_attn.v_proj.bias", new long[] {KV_HEADS * HEAD_DIM});
      }
      shapes.put(p + "self_attn.o_proj.weight", new long[] {HIDDEN, HEADS * HEAD_DIM});
      shapes.put(p + "post_attention_layernorm.weight", new long[] {HIDDEN});
      shapes.put(p + "mlp.gate_proj.weight", new long[] {INTERMEDIATE, HIDDEN});
      shapes.put(p + "mlp.up_proj.weight", new long[] {INTERMEDIATE, HIDDEN});
      shapes.put(p + "mlp.down_proj.weight", new long[] {HIDDEN, INTERMEDIATE});
    }
    shapes.put("model.norm.weight", new long[] {HIDDEN});
    if (!family.tied) {
      shapes.put("lm_head.weight", new long[] {VOCAB, HIDDEN});
    }
    return shapes;
  }

  /** Total parameters of the family's tiny model. */
  public static long parameterCount(Family family) {
    long total = 0;
    for (long[] shape : tensorShapes(family).values()) {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      total += n;
    }
    return total;
  }

  /** Writes a complete BF16 model directory in {@code shards} safetensors files (1: no index). */
  public static Path write(Path dir, Family family, int shards) throws IOException {
    Files.createDirectories(dir);
    writeMetadataFiles(dir, family);
    Random random = new Random(family.ordinal());
    writeShards(
        dir,
        shards,
        tensorShapes(family),
        (writer, entry) ->
            writer.addBF16(
                entry.getKey(), entry.getValue(), randomValues(random, entry.getValue())));
    return dir;
  }

  /** Writes config.json, generation_config.json and tokenizer.json. */
  public static void writeMetadataFiles(Path dir, Family family) throws IOException {
    Files.writeString(dir.resolve("config.json"), configJson(family));
    Files.writeString(
        dir.resolve("generation_config.json"),
        """
                {"bos_token_id": 1, "eos_token_id": [2, 3], "do_sample": true, "temperature": 0.6, "top_p": 0.9,
                 "transformers_version": "4.45.0"}
                """);
    Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson(family));
  }

  /**
   * Splits {@code tensors} into {@code shards} files named like Hugging Face's, with an index when
   * there is more than one; {@code add} writes one tensor.
   */
  public static void writeShards(
      Path dir,
      int shards,
      Map<String, long[]> tensors,
      BiConsumer<SafetensorsWriter, Map.Entry<String, long[]>> add)
      throws IOException {
    List<Map.Entry<String, long[]>> entries = new ArrayList<>(tensors.entrySet());
    if (shards == 1) {
      SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
      entries.forEach(e -> add.accept(writer, e));
      writer.write(dir.resolve("model.safetensors"));
      return;
    }
    StringBuilder weightMap = new StringBuilder();
    int perShard = (entries.size() + shards - 1) / shards;
    for (int s = 0; s < shards; s++) {
      String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", s + 1, shards);
      SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
      for (Map.Entry<String, long[]> e :
          entries.subList(s * perShard, Math.min(entries.size(), (s + 1) * perShard))) {
        add.accept(writer, e);
        weightMap
            .append(weightMap.length() == 0 ? "" : ",\n")
            .append("    \"")
            .append(e.getKey())
            .append("\": \"")
            .append(name)
            .append('"');
      }
      writer.write(dir.resolve(name));
    }
    Files.writeString(
        dir.resolve("model.safetensors.index.json"),
        "{\"metadata\": {\"total_size\": 0},\n  \"weight_map\": {\n" + weightMap + "\n  }\n}\n");
  }

  /** Gaussian values (std 0.02) for a tensor of {@code shape}. */
  public static float[] randomValues(Random random, long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] values = new float[Math.toIntExact(n)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextGaussian() * 0.02);
    }
    return values;
  }
}
