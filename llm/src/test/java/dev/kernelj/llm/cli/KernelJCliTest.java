package dev.kernelj.llm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.llm.testing.TinyModels;
import dev.kernelj.llm.testing.TinyModels.Family;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelJCliTest {
  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = KernelJ.execute(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void infoDescribesAShardedLlama31() throws IOException {
    Path model = TinyModels.write(dir.resolve("llama31"), Family.LLAMA3_1, 2);
    Result r = run("info", "--model", model.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    String out = r.out();
    long params = TinyModels.parameterCount(Family.LLAMA3_1);
    assertTrue(out.contains(String.format("(%,d)", params)), out);
    assertTrue(out.contains("LlamaForCausalLM (llama)"), out);
    assertTrue(out.contains("4 query, 2 key/value"), out);
    assertTrue(out.contains("BPE (byte-level)"), out);
    assertTrue(
        out.contains("model-00001-of-00002.safetensors") && out.contains("model-00002-of-00002"),
        out);
    assertTrue(out.contains("llama3 (factor 8.0"), out);
    assertTrue(out.contains("quantization:   none"), out);
    // 2 (K, V) * 2 layers * 2 KV heads * 16 dims * 2 bytes = 256 bytes per token.
    assertTrue(out.contains("131,072 tokens (bf16, 256 B per token)"), out);
  }

  @Test
  void infoJsonForScripts() throws IOException {
    Path model = TinyModels.write(dir.resolve("qwen"), Family.QWEN2_5, 1);
    Result r = run("info", "--model", model.toString(), "--json", "--context", "1000");
    assertEquals(0, r.code(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertEquals("Qwen2ForCausalLM", json.get("architecture").asText());
    assertEquals(TinyModels.parameterCount(Family.QWEN2_5), json.get("parameters").asLong());
    assertEquals(2, json.get("kv_heads").asInt());
    assertEquals(16, json.get("head_dim").asInt());
    assertEquals(32768, json.get("context_length").asInt());
    assertTrue(json.get("tied_embeddings").asBoolean());
    assertTrue(json.get("quantization").isNull());
    JsonNode memory = json.get("memory");
    assertEquals(256_000, memory.get("kv_cache_bytes").asLong());
    long fileBytes = Files.size(model.resolve("model.safetensors"));
    assertTrue(memory.get("weights_bytes").asLong() < fileBytes);
    assertEquals(fileBytes, json.get("shards").get(0).get("bytes").asLong());
    assertEquals("BF16", json.get("tensor_dtypes").fieldNames().next());
  }

  @Test
  void infoNamesSentencePieceTokenizers() throws IOException {
    Path model = TinyModels.write(dir.resolve("mistral"), Family.MISTRAL, 1);
    Result r = run("info", "--model", model.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("BPE (SentencePiece, byte fallback)"), r.out());
    assertTrue(r.out().contains("sliding window: 4096 tokens"), r.out());
  }

  @Test
  void infoReportsGptqQuantizationAndLogicalParameters() throws IOException {
    Path model = Files.createDirectories(dir.resolve("gptq"));
    TinyModels.writeMetadataFiles(model, Family.LLAMA2);
    Files.writeString(
        model.resolve("quantize_config.json"),
        "{\"bits\": 4, \"group_size\": 32, \"desc_act\": true, \"sym\": true}");
    Map<String, long[]> tensors = new LinkedHashMap<>();
    TinyModels.tensorShapes(Family.LLAMA2)
        .forEach(
            (name, shape) -> {
              if (name.endsWith("_proj.weight")) {
                String layer = name.substring(0, name.length() - ".weight".length());
                long out = shape[0];
                long in = shape[1];
                tensors.put(layer + ".qweight", new long[] {in / 8, out});
                tensors.put(layer + ".qzeros", new long[] {in / 32, out / 8});
                tensors.put(layer + ".scales", new long[] {in / 32, out});
                tensors.put(layer + ".g_idx", new long[] {in});
              } else {
                tensors.put(name, shape);
              }
            });
    TinyModels.writeShards(
        model,
        1,
        tensors,
        (writer, e) -> {
          String name = e.getKey();
          int n =
              (int)
                  (e.getValue().length == 1 ? e.getValue()[0] : e.getValue()[0] * e.getValue()[1]);
          if (name.endsWith(".scales")) {
            writer.addF16(name, e.getValue(), new float[n]);
          } else if (name.endsWith(".qweight")
              || name.endsWith(".qzeros")
              || name.endsWith(".g_idx")) {
            writer.addI32(name, e.getValue(), new int[n]);
          } else {
            writer.addBF16(name, e.getValue(), new float[n]);
          }
        });
    Result r = run("info", "--model", model.toString());
    // Described, and refused as the engine would refuse it: it runs unquantized weights only.
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.err().contains("q_proj.qweight: is a quantized (GPTQ/AWQ) layer"), r.err());
    assertTrue(r.out().contains("GPTQ 4-bit, group size 32, act-order yes, symmetric"), r.out());
    assertTrue(
        r.out().contains(String.format("(%,d)", TinyModels.parameterCount(Family.LLAMA2))),
        r.out());
  }

  @Test
  void badModelGivesOneLineAndExitCode3() throws IOException {
    Path model = TinyModels.write(dir.resolve("bad"), Family.LLAMA2, 1);
    Files.writeString(
        model.resolve("config.json"),
        TinyModels.configJson(Family.LLAMA2).replace("\"num_attention_heads\": 4,", ""));
    Result r = run("info", "--model", model.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals("", r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(
        r.err()
            .startsWith(
                "kernelj: error: "
                    + model.resolve("config.json")
                    + ": num_attention_heads: "
                    + "missing required key"),
        r.err());

    Result debug = run("info", "--model", model.toString(), "--debug");
    assertEquals(ExitCodes.BAD_INPUT, debug.code());
    assertTrue(debug.err().contains("\tat dev.kernelj.llm."), debug.err());
    Result debugFirst = run("--debug", "info", "--model", model.toString());
    assertTrue(debugFirst.err().contains("\tat dev.kernelj.llm."), debugFirst.err());
  }

  @Test
  void truncatedWeightsGiveOneLine() throws IOException {
    Path model = TinyModels.write(dir.resolve("trunc"), Family.LLAMA2, 1);
    Path weights = model.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    Result r = run("info", "--model", model.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(weights.toString()) && r.err().contains("truncated"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
  }

  @Test
  void usageErrorsAreOneLineWithExitCode2() {
    Result missing = run("info");
    assertEquals(ExitCodes.USAGE, missing.code());
    assertTrue(
        missing.err().contains("--model") && missing.err().contains("kernelj info --help"),
        missing.err());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());
    Result context = run("info", "--model", dir.toString(), "--context", "0");
    assertEquals(ExitCodes.USAGE, context.code());
    assertTrue(context.err().contains("--context must be at least 1"), context.err());
    assertEquals(ExitCodes.USAGE, run("frobnicate").code());
  }

  @Test
  void missingDirectoryIsBadInput() {
    Result r = run("info", "--model", dir.resolve("nowhere").toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(r.err().contains("nowhere") && r.err().contains("not found"), r.err());
  }

  @Test
  void helpAndVersion() {
    Result help = run("--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("info") && help.out().contains("--debug"), help.out());
    Result version = run("--version");
    assertEquals(0, version.code());
    assertTrue(version.out().startsWith("kernelj 0.1.0"), version.out());
  }

  @Test
  void malformedTokenizerJsonIsNamed() throws IOException {
    Path model = TinyModels.write(dir.resolve("tok"), Family.LLAMA2, 1);
    Files.writeString(
        model.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": }}");
    Result r = run("info", "--model", model.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(
        r.err().contains(model.resolve("tokenizer.json").toString())
            && r.err().contains("malformed"),
        r.err());
    Files.writeString(model.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {}}}");
    assertTrue(run("info", "--model", model.toString()).err().contains("model.type: missing"));
    Files.delete(model.resolve("tokenizer.json"));
    assertTrue(run("info", "--model", model.toString()).out().contains("none (no tokenizer.json)"));
  }
}
