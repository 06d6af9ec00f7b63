package dev.kernelj.llm.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.testing.TinyModels;
import dev.kernelj.llm.testing.TinyModels.Family;
import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizationConfigReaderTest {
  @TempDir Path dir;

  private void config(String quantizationConfig) throws IOException {
    String base = TinyModels.configJson(Family.LLAMA2);
    Files.writeString(
        dir.resolve("config.json"),
        quantizationConfig == null
            ? base
            : base.replaceFirst(
                "\\{",
                Matcher.quoteReplacement(
                    "{\"quantization_config\": " + quantizationConfig + ",\n")));
  }

  @Test
  void unquantized() throws IOException {
    config(null);
    assertTrue(QuantizationConfigReader.read(dir).isEmpty());
  }

  @Test
  void gptqInConfigJson() throws IOException {
    config(
        """
                {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": true, "sym": true,
                 "checkpoint_format": "gptq"}""");
    QuantizationConfig q = QuantizationConfigReader.read(dir).orElseThrow();
    assertEquals(QuantMethod.GPTQ, q.method());
    assertEquals(4, q.bits());
    assertEquals(128, q.groupSize());
    assertTrue(q.descAct());
    assertEquals(GptqZeroFormat.STORED_MINUS_ONE, q.zeroFormat());
  }

  /**
   * The settings as the tools that make Hub checkpoints write them, with their extra keys and
   * nulls: transformers' GPTQConfig (optimum), GPTQModel, and transformers' AwqConfig.
   */
  @Test
  void settingsAsTheQuantizersWriteThem() throws IOException {
    config(
        """
                {"bits": 4, "group_size": 128, "desc_act": false, "sym": true, "damp_percent": 0.1,
                 "true_sequential": true, "use_exllama": true, "exllama_config": {"version": 1},
                 "max_input_length": null, "tokenizer": null, "dataset": null, "use_cuda_fp16": false,
                 "module_name_preceding_first_block": null, "model_seqlen": null, "batch_size": 1,
                 "block_name_to_quantize": null, "pad_token_id": null, "cache_block_outputs": true,
                 "modules_in_block_to_quantize": null, "checkpoint_format": "gptq", "meta": null,
                 "backend": null, "quant_method": "gptq"}""");
    QuantizationConfig optimum = QuantizationConfigReader.read(dir).orElseThrow();
    assertEquals(QuantMethod.GPTQ, optimum.method());
    assertEquals(128, optimum.groupSize());
    assertFalse(optimum.descAct());

    config(
        """
                {"bits": 4, "dynamic": null, "group_size": 32, "desc_act": true, "sym": false,
                 "lm_head": false, "quant_method": "gptq", "checkpoint_format": "gptq_v2",
                 "pack_dtype": "int32", "rotation": null, "meta": {"quantizer": ["gptqmodel:2.0.0"],
                 "uri": "https://github.com/modelcloud/gptqmodel", "damp_percent": 0.05,
                 "damp_auto_increment": 0.0025, "static_groups": false, "true_sequential": true,
                 "mse": 0.0}}""");
    QuantizationConfig gptqModel = QuantizationConfigReader.read(dir).orElseThrow();
    assertEquals(32, gptqModel.groupSize());
    assertTrue(gptqModel.descAct());
    assertEquals(GptqZeroFormat.EXACT, gptqModel.zeroFormat());

    config(
        """
                {"bits": 4, "group_size": 128, "modules_to_not_convert": null, "quant_method": "awq",
                 "version": "gemm", "zero_point": true, "backend": "autoawq", "do_fuse": false,
                 "fuse_max_seq_len": null, "modules_to_fuse": null, "exllama_config": null}""");
    QuantizationConfig awq = QuantizationConfigReader.read(dir).orElseThrow();
    assertEquals(QuantMethod.AWQ, awq.method());
    assertEquals(128, awq.groupSize());
  }

  @Test
  void gptqV2AndGroupMinusOneInQuantizeConfigJson() throws IOException {
    config(null);
    Files.writeString(
        dir.resolve("quantize_config.json"),
        """
                {"bits": 8, "group_size": -1, "desc_act": false, "sym": false, "checkpoint_format": "gptq_v2"}""");
    QuantizationConfig q = QuantizationConfigReader.read(dir).orElseThrow();
    assertEquals(8, q.bits());
    assertEquals(-1, q.groupSize());
    assertEquals(4096, q.effectiveGroupSize(4096));
    assertFalse(q.sym());
    assertEquals(GptqZeroFormat.EXACT, q.zeroFormat());
  }

  @Test
  void awqBothSpellings() throws IOException {
    config(
        "{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, \"version\": \"gemm\","
            + " \"zero_point\": true}");
    assertEquals(QuantMethod.AWQ, QuantizationConfigReader.read(dir).orElseThrow().method());
    config(null);
    Files.writeString(
        dir.resolve("quant_config.json"),
        "{\"zero_point\": true, \"q_group_size\": 64, \"w_bit\": 4, \"version\": \"GEMM\"}");
    QuantizationConfig q = QuantizationConfigReader.read(dir).orElseThrow();
    assertEquals(64, q.groupSize());
    assertEquals(QuantMethod.AWQ, q.method());
  }

  /**
   * GPTQModel (and vLLM) give a module the first {@code dynamic} entry that matches it, in written
   * order, whether it includes or excludes.
   */
  @Test
  void dynamicEntriesApplyInWrittenOrder() throws IOException {
    String down8 = "\"+:.*down_proj\": {\"bits\": 8}";
    String layer0Dense = "\"-:model\\\\.layers\\\\.0\\\\..*\": {}";
    config(
        "{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, \"dynamic\": {"
            + down8
            + ", "
            + layer0Dense
            + "}}");
    QuantizationConfig q = QuantizationConfigReader.read(dir).orElseThrow();
    assertEquals(8, q.forModule("model.layers.0.mlp.down_proj").bits());
    assertEquals(8, q.forModule("model.layers.1.mlp.down_proj").bits());
    assertTrue(q.overrides().get(1).exclude());
    assertTrue(q.overrides().get(1).matches("model.layers.0.mlp.up_proj"));
    assertEquals(q, q.forModule("model.layers.0.mlp.up_proj"));

    config(
        "{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, \"dynamic\": {"
            + layer0Dense
            + ", "
            + down8
            + "}}");
    QuantizationConfig swapped = QuantizationConfigReader.read(dir).orElseThrow();
    assertEquals(swapped, swapped.forModule("model.layers.0.mlp.down_proj"));
    assertEquals(8, swapped.forModule("model.layers.1.mlp.down_proj").bits());
  }

  /** GPTQModel writes {@code dynamic} for AWQ too; its bits stay AWQ's. */
  @Test
  void awqTakesDynamicGroupSizesAndOneGroup() throws IOException {
    config(
        """
                {"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm",
                 "zero_point": true, "dynamic": {"+:.*down_proj": {"group_size": 32}}}""");
    QuantizationConfig q = QuantizationConfigReader.read(dir).orElseThrow();
    assertEquals(32, q.forModule("model.layers.3.mlp.down_proj").groupSize());
    assertEquals(128, q.forModule("model.layers.3.mlp.up_proj").groupSize());

    config(
        "{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": -1, \"version\":"
            + " \"gemm\", \"zero_point\": true}");
    QuantizationConfig channel = QuantizationConfigReader.read(dir).orElseThrow();
    assertEquals(-1, channel.groupSize());
    assertEquals(4096, channel.effectiveGroupSize(4096));

    config(
        "{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, \"version\":"
            + " \"gemm\", \"dynamic\": {\"+:.*down_proj\": {\"bits\": 8}}}");
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> QuantizationConfigReader.read(dir));
    assertTrue(e.field().endsWith("bits"), e.getMessage());
    assertTrue(e.getMessage().contains("AWQ with 8 bits"), e.getMessage());
  }

  @Test
  void unsupportedSettingsAreNamed() throws IOException {
    assertRejected(
        "{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, \"format\":"
            + " \"gptq_v2\", \"checkpoint_format\": \"gptq\"}",
        "quantization_config.format",
        "disagrees with checkpoint_format");
    assertRejected(
        "{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, \"rotation\":"
            + " \"hadamard\"}",
        "quantization_config.rotation",
        "down_proj");
    assertRejected("{\"quant_method\": \"fp8\"}", "quantization_config.quant_method", "gptq, awq");
    assertRejected(
        "{\"quant_method\": \"gptq\", \"bits\": 3, \"group_size\": 128}",
        "quantization_config.bits",
        "4, 8");
    assertRejected(
        "{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, \"version\": \"gemv\"}",
        "quantization_config.version",
        "gemm");
    assertRejected(
        "{\"quant_method\": \"gptq\", \"bits\": 4}", "quantization_config.group_size", "missing");
    assertRejected(
        "{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 0}",
        "quantization_config.group_size",
        "-1");
  }

  private void assertRejected(String section, String field, String mention) throws IOException {
    config(section);
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> QuantizationConfigReader.read(dir));
    assertEquals(field, e.field(), e.getMessage());
    assertEquals(dir.resolve("config.json"), e.file());
    assertTrue(e.getMessage().contains(mention), e.getMessage());
  }
}
