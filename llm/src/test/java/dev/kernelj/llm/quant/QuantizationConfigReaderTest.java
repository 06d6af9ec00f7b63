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
            : base.replaceFirst("\\{", "{\"quantization_config\": " + quantizationConfig + ",\n"));
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

  @Test
  void unsupportedSettingsAreNamed() throws IOException {
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
