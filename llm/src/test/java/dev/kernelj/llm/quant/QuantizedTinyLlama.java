package dev.kernelj.llm.quant;

import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * A tiny random model ({@link TinyLlama}) whose seven projections per layer are quantized by the
 * tests' own quantizer and written in one exact checkpoint layout, with the quantization settings
 * where the tool that makes such checkpoints puts them. The returned weights hold the dequantized
 * projections, so {@link dev.kernelj.llm.model.Float64Llama} computes the quantized model's logits.
 */
final class QuantizedTinyLlama {
  private QuantizedTinyLlama() {}

  /** One checkpoint layout. */
  record Layout(
      String name,
      QuantMethod method,
      int bits,
      int groupSize,
      boolean sym,
      boolean v2,
      boolean actOrder,
      boolean sharedOrder,
      boolean separateConfigFile,
      int downProjBits) {
    Layout(
        String name,
        QuantMethod method,
        int bits,
        int groupSize,
        boolean sym,
        boolean v2,
        boolean actOrder,
        boolean sharedOrder,
        boolean separateConfigFile) {
      this(name, method, bits, groupSize, sym, v2, actOrder, sharedOrder, separateConfigFile, 0);
    }

    /** The same layout with down_proj in {@code bits} (GPTQModel's {@code dynamic}). */
    Layout withDownProjBits(int bits) {
      return new Layout(
          name + "-down" + bits,
          method,
          this.bits,
          groupSize,
          sym,
          v2,
          actOrder,
          sharedOrder,
          separateConfigFile,
          bits);
    }

    int bitsOf(String projection) {
      return projection.equals("mlp.down_proj") && downProjBits > 0 ? downProjBits : bits;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static final Layout GPTQ_V1_SYM =
      new Layout("gptq-v1-sym-4bit-g32", QuantMethod.GPTQ, 4, 32, true, false, false, false, true);
  static final Layout GPTQ_V1_ASYM =
      new Layout(
          "gptq-v1-asym-4bit-g16", QuantMethod.GPTQ, 4, 16, false, false, false, false, false);
  static final Layout GPTQ_V2_ASYM =
      new Layout(
          "gptq-v2-asym-4bit-g32", QuantMethod.GPTQ, 4, 32, false, true, false, false, false);
  static final Layout GPTQ_ACT_ORDER =
      new Layout(
          "gptq-act-order-4bit-g32", QuantMethod.GPTQ, 4, 32, true, false, true, true, false);
  static final Layout GPTQ_ACT_ORDER_UNSHARED =
      new Layout(
          "gptq-act-order-per-module-g16", QuantMethod.GPTQ, 4, 16, false, true, true, false, true);
  static final Layout GPTQ_8BIT =
      new Layout("gptq-v1-8bit-g32", QuantMethod.GPTQ, 8, 32, false, false, false, false, false);
  static final Layout GPTQ_8BIT_CHANNEL =
      new Layout("gptq-8bit-per-channel", QuantMethod.GPTQ, 8, -1, true, false, true, true, true);
  static final Layout AWQ =
      new Layout("awq-gemm-4bit-g32", QuantMethod.AWQ, 4, 32, false, false, false, false, false);
  static final Layout AWQ_CHANNEL =
      new Layout(
          "awq-gemm-4bit-per-channel", QuantMethod.AWQ, 4, -1, false, false, false, false, false);
  static final Layout AWQ_FILE =
      new Layout(
          "awq-gemm-4bit-g16-quant-config",
          QuantMethod.AWQ,
          4,
          16,
          false,
          false,
          false,
          false,
          true);

  static final List<String> PROJECTIONS =
      List.of(
          "self_attn.q_proj",
          "self_attn.k_proj",
          "self_attn.v_proj",
          "self_attn.o_proj",
          "mlp.gate_proj",
          "mlp.up_proj",
          "mlp.down_proj");

  /**
   * Writes {@code spec} (its non-quantized tensors in the spec's dtype) with its projections
   * quantized as {@code layout}; returns the model with the dequantized projection weights.
   */
  static TinyLlama.Written write(Path dir, TinyLlama.Spec spec, Layout layout, long seed)
      throws IOException {
    TinyLlama.Written dense = TinyLlama.write(dir, spec, seed);
    Random random = new Random(seed * 31 + layout.name().hashCode());
    Map<String, float[]> weights = new LinkedHashMap<>(dense.weights());
    Map<String, long[]> shapes = new HashMap<>();
    SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
    Map<Integer, int[]> orderByInputs = new HashMap<>();
    for (int l = 0; l < spec.layers(); l++) {
      orderByInputs.clear();
      for (String projection : PROJECTIONS) {
        String module = "model.layers." + l + "." + projection;
        float[] w = weights.get(module + ".weight");
        int in = inputsOf(spec, projection);
        int out = w.length / in;
        float[][] rows = new float[out][in];
        for (int o = 0; o < out; o++) {
          System.arraycopy(w, o * in, rows[o], 0, in);
        }
        ReferenceQuantizer.Quantized q;
        if (layout.method() == QuantMethod.AWQ) {
          q = ReferenceQuantizer.awq(rows, layout.groupSize() == -1 ? in : layout.groupSize());
          ReferencePacker.addAwq(writer, module, q);
        } else {
          int[] order =
              !layout.actOrder()
                  ? IntStream.range(0, in).toArray()
                  : layout.sharedOrder()
                      ? orderByInputs.computeIfAbsent(
                          in + (projection.startsWith("mlp.down") ? 1_000_000 : 0),
                          k -> shuffled(in, random))
                      : shuffled(in, random);
          q =
              ReferenceQuantizer.gptq(
                  rows, layout.bitsOf(projection), layout.groupSize(), layout.sym(), order);
          // act-order checkpoints carry g_idx; AutoGPTQ writes it for plain ones too
          ReferencePacker.addGptq(writer, module, q, layout.v2(), true);
        }
        float[] dequantized = new float[out * in];
        for (int o = 0; o < out; o++) {
          for (int i = 0; i < in; i++) {
            dequantized[o * in + i] = q.dequantized(o, i);
          }
        }
        weights.put(module + ".weight", dequantized);
        shapes.put(module + ".weight", null);
      }
    }
    for (Map.Entry<String, float[]> e : dense.weights().entrySet()) {
      if (!shapes.containsKey(e.getKey())) {
        long[] shape = shapeOf(spec, e.getKey());
        switch (spec.dtype()) {
          case "BF16" -> writer.addBF16(e.getKey(), shape, e.getValue());
          case "F16" -> writer.addF16(e.getKey(), shape, e.getValue());
          default -> writer.addF32(e.getKey(), shape, e.getValue());
        }
      }
    }
    if (layout.method() == QuantMethod.GPTQ && layout.separateConfigFile()) {
      // AutoGPTQ's own file name beside its quantize_config.json, as its releases have them.
      Files.delete(dir.resolve("model.safetensors"));
      writer.write(dir.resolve(autoGptqBaseName(layout) + ".safetensors"));
    } else {
      writer.write(dir.resolve("model.safetensors"));
    }
    writeConfig(dir, layout);
    return new TinyLlama.Written(dir, spec, weights);
  }

  static String quantizationJson(Layout layout) {
    if (layout.method() == QuantMethod.AWQ) {
      // AutoAWQ's quant_config.json spelling, or transformers' AwqConfig in config.json
      return layout.separateConfigFile()
          ? "{\"zero_point\": true, \"q_group_size\": "
              + layout.groupSize()
              + ", \"w_bit\": 4, \"version\": \"GEMM\"}"
          : "{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": "
              + layout.groupSize()
              + ", \"zero_point\": true, \"version\": \"gemm\", \"backend\": \"autoawq\","
              + " \"modules_to_not_convert\": null}";
    }
    return "{\"quant_method\": \"gptq\", \"bits\": "
        + layout.bits()
        + ", \"group_size\": "
        + layout.groupSize()
        + ", \"desc_act\": "
        + layout.actOrder()
        + ", \"sym\": "
        + layout.sym()
        + ", \"damp_percent\": 0.01, \"true_sequential\": true, \"static_groups\": false,"
        + " \"checkpoint_format\": \""
        + (layout.v2() ? "gptq_v2" : "gptq")
        + "\","
        + (layout.downProjBits() > 0
            ? " \"dynamic\": {\"+:.*down_proj\": {\"bits\": " + layout.downProjBits() + "}},"
            : "")
        + (layout.separateConfigFile()
            ? " \"model_file_base_name\": \"" + autoGptqBaseName(layout) + "\","
            : "")
        + " \"meta\": {\"quantizer\": [\"kernelj-tests\"]}}";
  }

  /** AutoGPTQ's {@code model_file_base_name}, e.g. {@code gptq_model-4bit-128g}. */
  static String autoGptqBaseName(Layout layout) {
    return "gptq_model-" + layout.bits() + "bit-" + layout.groupSize() + "g";
  }

  private static void writeConfig(Path dir, Layout layout) throws IOException {
    String json = quantizationJson(layout);
    if (layout.separateConfigFile()) {
      String file =
          layout.method() == QuantMethod.AWQ
              ? QuantizationConfigReader.AWQ_FILE
              : QuantizationConfigReader.GPTQ_FILE;
      Files.writeString(dir.resolve(file), json + "\n");
      return;
    }
    Path config = dir.resolve("config.json");
    String text = Files.readString(config).strip();
    Files.writeString(
        config,
        text.substring(0, text.length() - 1) + ", \"quantization_config\": " + json + "}\n");
  }

  private static int[] shuffled(int n, Random random) {
    List<Integer> list = new ArrayList<>(IntStream.range(0, n).boxed().toList());
    Collections.shuffle(list, random);
    return list.stream().mapToInt(Integer::intValue).toArray();
  }

  static int inputsOf(TinyLlama.Spec spec, String projection) {
    return switch (projection) {
      case "self_attn.o_proj" -> spec.heads() * spec.headDim();
      case "mlp.down_proj" -> spec.intermediate();
      default -> spec.hidden();
    };
  }

  private static long[] shapeOf(TinyLlama.Spec spec, String name) {
    int q = spec.heads() * spec.headDim();
    int kv = spec.kvHeads() * spec.headDim();
    if (name.endsWith("layernorm.weight") || name.equals("model.norm.weight")) {
      return new long[] {spec.hidden()};
    }
    if (name.endsWith("q_norm.weight") || name.endsWith("k_norm.weight")) {
      return new long[] {spec.headDim()};
    }
    if (name.endsWith("q_proj.bias")) {
      return new long[] {q};
    }
    if (name.endsWith("k_proj.bias") || name.endsWith("v_proj.bias")) {
      return new long[] {kv};
    }
    return new long[] {TinyLlama.VOCAB, spec.hidden()}; // embedding and lm_head
  }
}
