package dev.kernelj.llm.model;

import dev.kernelj.llm.safetensors.FloatFormats;
import dev.kernelj.llm.safetensors.SafetensorsFile;
import dev.kernelj.llm.safetensors.SafetensorsWriter;
import dev.kernelj.llm.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Builds tiny random Llama-family model directories for tests (config.json, generation_config.json,
 * model.safetensors, a byte-level tokenizer.json covering all 256 bytes plus {@code <s>}/{@code
 * </s>}, tokenizer_config.json) and keeps the weights, as written, for the float64 forward of the
 * tests.
 */
public final class TinyLlama {
  /** Ids of the special tokens of the tiny tokenizer. */
  public static final int BOS = 256;

  public static final int EOS = 257;
  public static final int VOCAB = 258;

  /** A model shape and flavour. */
  public record Spec(
      String name,
      String architecture,
      String modelType,
      int hidden,
      int intermediate,
      int layers,
      int heads,
      int kvHeads,
      int headDim,
      boolean tied,
      boolean qkvBias,
      String dtype,
      double ropeTheta,
      boolean llama3Scaling,
      int maxPositions) {
    public Spec withDtype(String d) {
      return new Spec(
          name,
          architecture,
          modelType,
          hidden,
          intermediate,
          layers,
          heads,
          kvHeads,
          headDim,
          tied,
          qkvBias,
          d,
          ropeTheta,
          llama3Scaling,
          maxPositions);
    }

    /** Whether each head of q and k has an RMSNorm before RoPE (Qwen3). */
    public boolean qkNorm() {
      return modelType.equals("qwen3");
    }
  }

  public static final Spec LLAMA =
      new Spec(
          "llama",
          "LlamaForCausalLM",
          "llama",
          64,
          96,
          2,
          4,
          2,
          16,
          false,
          false,
          "F32",
          10000,
          false,
          512);
  public static final Spec LLAMA32_TIED =
      new Spec(
          "llama32-tied",
          "LlamaForCausalLM",
          "llama",
          64,
          96,
          2,
          4,
          1,
          16,
          true,
          false,
          "F32",
          500000,
          true,
          512);
  public static final Spec MISTRAL =
      new Spec(
          "mistral",
          "MistralForCausalLM",
          "mistral",
          64,
          128,
          2,
          4,
          2,
          16,
          false,
          false,
          "F32",
          1000000,
          false,
          512);
  public static final Spec QWEN2 =
      new Spec(
          "qwen2",
          "Qwen2ForCausalLM",
          "qwen2",
          64,
          96,
          2,
          4,
          2,
          16,
          false,
          true,
          "F32",
          1000000,
          false,
          512);

  /**
   * Qwen3: no q/k/v bias, q_norm and k_norm on every head, a head dim (32) that is not hidden /
   * heads (16), and GQA.
   */
  public static final Spec QWEN3 =
      new Spec(
          "qwen3",
          "Qwen3ForCausalLM",
          "qwen3",
          64,
          96,
          2,
          4,
          2,
          32,
          false,
          false,
          "F32",
          1000000,
          false,
          512);

  public static final Spec GQA4 =
      new Spec(
          "gqa4",
          "LlamaForCausalLM",
          "llama",
          64,
          96,
          2,
          8,
          2,
          8,
          false,
          false,
          "F32",
          10000,
          false,
          512);
  public static final Spec HEAD64 =
      new Spec(
          "head64",
          "LlamaForCausalLM",
          "llama",
          128,
          160,
          1,
          2,
          1,
          64,
          false,
          false,
          "F32",
          10000,
          false,
          512);

  /** Query width (4 x 32) twice the hidden size, as an explicit head_dim allows. */
  public static final Spec WIDE_Q =
      new Spec(
          "wide-q",
          "LlamaForCausalLM",
          "llama",
          64,
          96,
          2,
          4,
          2,
          32,
          false,
          false,
          "F32",
          10000,
          false,
          512);

  // Shapes the CUDA attention kernels take (bf16, head dim 64 or 128), for the GPU tests.
  public static final Spec LLAMA_H64 =
      new Spec(
          "llama-h64",
          "LlamaForCausalLM",
          "llama",
          256,
          512,
          2,
          4,
          2,
          64,
          false,
          false,
          "BF16",
          10000,
          false,
          512);
  public static final Spec MISTRAL_H64 =
      new Spec(
          "mistral-h64",
          "MistralForCausalLM",
          "mistral",
          256,
          512,
          2,
          4,
          2,
          64,
          false,
          false,
          "BF16",
          1000000,
          false,
          512);
  public static final Spec QWEN2_H64 =
      new Spec(
          "qwen2-h64",
          "Qwen2ForCausalLM",
          "qwen2",
          256,
          512,
          2,
          4,
          2,
          64,
          false,
          true,
          "BF16",
          1000000,
          false,
          512);

  /** Qwen3 in a shape the CUDA attention takes: head dim 64, q/k norms, no biases. */
  public static final Spec QWEN3_H64 =
      new Spec(
          "qwen3-h64",
          "Qwen3ForCausalLM",
          "qwen3",
          256,
          512,
          2,
          4,
          2,
          64,
          false,
          false,
          "BF16",
          1000000,
          false,
          512);

  /** GQA ratio 4 with more query width (8 x 64) than hidden size. */
  public static final Spec GQA4_H64 =
      new Spec(
          "gqa4-h64",
          "LlamaForCausalLM",
          "llama",
          256,
          512,
          2,
          8,
          2,
          64,
          false,
          false,
          "BF16",
          10000,
          false,
          512);

  public static final Spec TIED_H128 =
      new Spec(
          "llama32-tied-h128",
          "LlamaForCausalLM",
          "llama",
          256,
          512,
          2,
          2,
          1,
          128,
          true,
          false,
          "BF16",
          500000,
          true,
          512);

  /** A written model: its directory and the weights as stored (bf16/f16 values already rounded). */
  public record Written(Path dir, Spec spec, Map<String, float[]> weights) {
    public float[] w(String name) {
      float[] v = weights.get(name);
      if (v == null) {
        throw new IllegalArgumentException("no tensor " + name);
      }
      return v;
    }
  }

  private TinyLlama() {}

  public static Written write(Path dir, Spec s, long seed) throws IOException {
    Files.createDirectories(dir);
    Random random = new Random(seed);
    Map<String, long[]> shapes = new LinkedHashMap<>();
    int q = s.heads() * s.headDim();
    int kv = s.kvHeads() * s.headDim();
    shapes.put("model.embed_tokens.weight", new long[] {VOCAB, s.hidden()});
    for (int l = 0; l < s.layers(); l++) {
      String p = "model.layers." + l + ".";
      shapes.put(p + "input_layernorm.weight", new long[] {s.hidden()});
      shapes.put(p + "self_attn.q_proj.weight", new long[] {q, s.hidden()});
      shapes.put(p + "self_attn.k_proj.weight", new long[] {kv, s.hidden()});
      shapes.put(p + "self_attn.v_proj.weight", new long[] {kv, s.hidden()});
      if (s.qkvBias()) {
        shapes.put(p + "self_attn.q_proj.bias", new long[] {q});
        shapes.put(p + "self_attn.k_proj.bias", new long[] {kv});
        shapes.put(p + "self_attn.v_proj.bias", new long[] {kv});
      }
      if (s.qkNorm()) {
        shapes.put(p + "self_attn.q_norm.weight", new long[] {s.headDim()});
        shapes.put(p + "self_attn.k_norm.weight", new long[] {s.headDim()});
      }
      shapes.put(p + "self_attn.o_proj.weight", new long[] {s.hidden(), q});
      shapes.put(p + "post_attention_layernorm.weight", new long[] {s.hidden()});
      shapes.put(p + "mlp.gate_proj.weight", new long[] {s.intermediate(), s.hidden()});
      shapes.put(p + "mlp.up_proj.weight", new long[] {s.intermediate(), s.hidden()});
      shapes.put(p + "mlp.down_proj.weight", new long[] {s.hidden(), s.intermediate()});
    }
    shapes.put("model.norm.weight", new long[] {s.hidden()});
    if (!s.tied()) {
      shapes.put("lm_head.weight", new long[] {VOCAB, s.hidden()});
    }
    Map<String, float[]> weights = new LinkedHashMap<>();
    SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      long[] shape = e.getValue();
      int n = (int) (shape.length == 1 ? shape[0] : shape[0] * shape[1]);
      float[] v = new float[n];
      boolean norm =
          e.getKey().endsWith("layernorm.weight")
              || e.getKey().endsWith("_norm.weight")
              || e.getKey().equals("model.norm.weight");
      double std =
          e.getKey().contains("embed") || e.getKey().contains("lm_head")
              ? 0.5
              : 1.0 / Math.sqrt(shape[shape.length - 1]);
      for (int i = 0; i < n; i++) {
        v[i] = (float) (norm ? 1 + 0.1 * random.nextGaussian() : std * random.nextGaussian());
      }
      round(v, s.dtype());
      weights.put(e.getKey(), v);
      switch (s.dtype()) {
        case "BF16" -> writer.addBF16(e.getKey(), shape, v);
        case "F16" -> writer.addF16(e.getKey(), shape, v);
        default -> writer.addF32(e.getKey(), shape, v);
      }
    }
    writer.write(dir.resolve("model.safetensors"));
    Files.writeString(dir.resolve("config.json"), configJson(s));
    Files.writeString(
        dir.resolve("generation_config.json"),
        "{\"bos_token_id\": " + BOS + ", \"eos_token_id\": " + EOS + ", \"do_sample\": false}\n");
    Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson());
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"add_bos_token\": true, \"add_eos_token\": false}\n");
    return new Written(dir, s, weights);
  }

  /**
   * Rewrites the checkpoint of {@code dir} as F32 with element {@code index} of {@code tensor} set
   * to {@code value} (a NaN or an infinity, to poison the model).
   */
  public static void poison(Path dir, String tensor, int index, float value) throws IOException {
    Path file = dir.resolve("model.safetensors");
    SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      for (TensorInfo info : st.tensors()) {
        float[] values = st.tensor(info).toFloatArray();
        if (info.name().equals(tensor)) {
          values[index] = value;
        }
        writer.addF32(info.name(), info.shape(), values);
      }
    }
    writer.write(file);
  }

  /** Rewrites the checkpoint of {@code dir} as F32 without {@code tensor}. */
  public static void drop(Path dir, String tensor) throws IOException {
    Path file = dir.resolve("model.safetensors");
    SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      for (TensorInfo info : st.tensors()) {
        if (!info.name().equals(tensor)) {
          writer.addF32(info.name(), info.shape(), st.tensor(info).toFloatArray());
        }
      }
    }
    writer.write(file);
  }

  private static void round(float[] v, String dtype) {
    for (int i = 0; i < v.length; i++) {
      if (dtype.equals("BF16")) {
        v[i] = FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(v[i]));
      } else if (dtype.equals("F16")) {
        v[i] = FloatFormats.halfToFloat(FloatFormats.floatToHalf(v[i]));
      }
    }
  }

  static String configJson(Spec s) {
    String torchDtype =
        switch (s.dtype()) {
          case "BF16" -> "bfloat16";
          case "F16" -> "float16";
          default -> "float32";
        };
    String scaling =
        s.llama3Scaling()
            ? "{\"rope_type\": \"llama3\", \"factor\": 32.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, "
                + "\"original_max_position_embeddings\": 64}"
            : "null";
    return String.format(
        Locale.ROOT,
        """
                {"architectures": ["%s"], "model_type": "%s", "hidden_size": %d, "intermediate_size": %d,
                 "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d, "head_dim": %d,
                 "vocab_size": %d, "max_position_embeddings": %d, "rms_norm_eps": 1e-05, "rope_theta": %s,
                 "rope_scaling": %s, "tie_word_embeddings": %s, "hidden_act": "silu", "torch_dtype": "%s",
                 "bos_token_id": %d, "eos_token_id": %d%s}
                """,
        s.architecture(),
        s.modelType(),
        s.hidden(),
        s.intermediate(),
        s.layers(),
        s.heads(),
        s.kvHeads(),
        s.headDim(),
        VOCAB,
        s.maxPositions(),
        Double.toString(s.ropeTheta()),
        scaling,
        s.tied(),
        torchDtype,
        BOS,
        EOS,
        s.modelType().startsWith("qwen")
            ? ", \"use_sliding_window\": false, \"sliding_window\": 4096"
                + (s.qkNorm() ? ", \"attention_bias\": false" : "")
            : "");
  }

  /**
   * A byte-level BPE tokenizer.json: every byte is a token (GPT-2's byte-to-unicode table), no
   * merges, plus {@code <s>}/{@code </s>}.
   */
  public static String tokenizerJson() {
    StringBuilder vocab = new StringBuilder();
    int[] unicodeOf = byteToUnicode();
    for (int b = 0; b < 256; b++) {
      String ch = new String(Character.toChars(unicodeOf[b]));
      String escaped = ch.equals("\"") ? "\\\"" : ch.equals("\\") ? "\\\\" : ch;
      vocab.append(b == 0 ? "" : ", ").append('"').append(escaped).append("\": ").append(b);
    }
    return """
                {"version": "1.0",
                 "added_tokens": [
                   {"id": 256, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                   {"id": 257, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
                 "normalizer": null,
                 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
                 "post_processor": null,
                 "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
                 "model": {"type": "BPE", "dropout": null, "unk_token": null, "byte_fallback": false,
                           "vocab": {%s}, "merges": []}}
                """
        .formatted(vocab);
  }

  /** GPT-2's reversible byte-to-unicode map. */
  static int[] byteToUnicode() {
    int[] map = new int[256];
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      map[b] = printable ? b : next++;
    }
    return map;
  }
}
