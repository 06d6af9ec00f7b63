package dev.kernelj.llm.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.cli.KernelJ;
import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.engine.LogitsTrace;
import dev.kernelj.llm.model.Float64Llama;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.safetensors.SafetensorsFile;
import dev.kernelj.llm.safetensors.SafetensorsWriter;
import dev.kernelj.llm.safetensors.TensorInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quantizations the kernels do not cover, and checkpoints whose settings disagree with their
 * tensors: one line naming the field or tensor and exit code 3, never a silent wrong answer. And
 * GPTQModel's per-module {@code dynamic} bits, which are covered.
 */
class QuantizedBadInputTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run logits(Path model) {
    return run(
        "logits",
        "--model",
        model.toString(),
        "--ids",
        "1,2,3",
        "--out",
        model.resolve("logits.bin").toString(),
        "--device",
        "cpu");
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = KernelJ.execute(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  private Path model(QuantizedTinyLlama.Layout layout) throws IOException {
    return QuantizedTinyLlama.write(dir.resolve(layout.name()), TinyLlama.LLAMA, layout, 3).dir();
  }

  /** Replaces {@code from} with {@code to} in the model's quantization settings. */
  private static void edit(Path model, String file, String from, String to) throws IOException {
    Path p = model.resolve(file);
    String text = Files.readString(p);
    assertTrue(text.contains(from), "no " + from + " in " + text);
    Files.writeString(p, text.replace(from, to));
  }

  private static void assertOneLineError(Run r, String... mentions) {
    assertEquals(3, r.code(), r.err());
    String line = r.err().strip();
    assertFalse(line.contains("\n"), "one line expected: " + line);
    assertFalse(line.contains("Exception"), "no stack trace or exception name: " + line);
    for (String m : mentions) {
      assertTrue(line.contains(m), "'" + m + "' missing from: " + line);
    }
  }

  @Test
  void unsupportedBitsAndLayoutsNameTheirField() throws IOException {
    Path m = model(QuantizedTinyLlama.GPTQ_V2_ASYM);
    edit(m, "config.json", "\"bits\": 4", "\"bits\": 3");
    assertOneLineError(logits(m), "quantization_config.bits", "supported: 4, 8");
    edit(m, "config.json", "\"bits\": 3", "\"bits\": 4, \"is_marlin_format\": true");
    assertOneLineError(logits(m), "is_marlin_format");
    edit(m, "config.json", "\"is_marlin_format\": true", "\"pack_dtype\": \"int16\"");
    assertOneLineError(logits(m), "pack_dtype", "int16");
    edit(m, "config.json", "\"pack_dtype\": \"int16\", ", "");
    edit(m, "config.json", "\"gptq_v2\"", "\"marlin\"");
    assertOneLineError(logits(m), "checkpoint_format", "marlin");

    Path awq = model(QuantizedTinyLlama.AWQ);
    edit(awq, "config.json", "\"autoawq\"", "\"llm-awq\"");
    assertOneLineError(logits(awq), "backend", "llm-awq");
    edit(awq, "config.json", "\"llm-awq\"", "\"autoawq\"");
    edit(awq, "config.json", "\"version\": \"gemm\"", "\"version\": \"exllama\"");
    assertOneLineError(logits(awq), "version", "gemm");
  }

  /**
   * An unknown quant_method on a checkpoint that is otherwise a runnable GPTQ model: refused by the
   * commands that load it as by {@code info}, through the same strict reading of the settings.
   */
  @Test
  void anUnknownQuantMethodIsRefusedByEveryCommand() throws IOException {
    Path m = model(QuantizedTinyLlama.GPTQ_V2_ASYM);
    assertEquals(0, logits(m).code(), "the model runs before the edit");
    Files.delete(m.resolve("logits.bin"));
    edit(m, "config.json", "\"quant_method\": \"gptq\"", "\"quant_method\": \"foo\"");
    String dir = m.toString();
    assertOneLineError(run("info", "--model", dir), "quantization_config.quant_method", "foo");
    assertOneLineError(logits(m), "quantization_config.quant_method", "foo");
    assertFalse(Files.exists(m.resolve("logits.bin")), "no logits written");
    assertOneLineError(
        run("generate", "--model", dir, "--prompt", "hi", "--max-tokens", "2", "--device", "cpu"),
        "quantization_config.quant_method",
        "foo");
  }

  @Test
  void groupSizeThatDoesNotDivideTheInputsIsNamed() throws IOException {
    Path m = model(QuantizedTinyLlama.GPTQ_V1_SYM);
    edit(m, "quantize_config.json", "\"group_size\": 32", "\"group_size\": 48");
    assertOneLineError(logits(m), "group_size", "48 does not divide the 64 inputs");
  }

  @Test
  void bitsThatDisagreeWithTheTensorsNameATensor() throws IOException {
    Path m = model(QuantizedTinyLlama.GPTQ_V2_ASYM);
    edit(m, "config.json", "\"bits\": 4", "\"bits\": 8");
    Run r = logits(m);
    assertOneLineError(r, "model.layers.0.self_attn.q_proj");
    assertTrue(r.err().contains("qzeros") || r.err().contains("qweight"), r.err());
  }

  @Test
  void quantizedTensorsWithoutSettingsSaySo() throws IOException {
    Path m = model(QuantizedTinyLlama.GPTQ_V1_SYM);
    Files.delete(m.resolve(QuantizationConfigReader.GPTQ_FILE));
    assertOneLineError(logits(m), "q_proj.weight", "no quantization settings");
  }

  /**
   * GPTQ-for-LLaMa kept a bias buffer of zeros in every quantized layer, and its checkpoints carry
   * them for models without biases: zeros are skipped (the logits do not change), a nonzero one the
   * engine would not apply is named.
   */
  @Test
  void zeroBiasesOfQuantizedLayersAreSkippedANonzeroOneIsNamed() throws Exception {
    Path m = model(QuantizedTinyLlama.GPTQ_V2_ASYM);
    assertEquals(0, logits(m).code());
    byte[] plain = Files.readAllBytes(m.resolve("logits.bin"));
    Files.delete(m.resolve("logits.bin"));
    Map<String, Integer> outputs = new LinkedHashMap<>();
    for (int l = 0; l < TinyLlama.LLAMA.layers(); l++) {
      for (String projection : QuantizedTinyLlama.PROJECTIONS) {
        String module = "model.layers." + l + "." + projection;
        outputs.put(module + ".bias", rowsOf(m, module));
      }
    }
    withBiases(m, outputs, "model.layers.1.mlp.down_proj.bias", 0f);
    Run zeros = logits(m);
    assertEquals(0, zeros.code(), zeros.err());
    assertArrayEquals(plain, Files.readAllBytes(m.resolve("logits.bin")), "zero biases skipped");
    Files.delete(m.resolve("logits.bin"));

    withBiases(m, outputs, "model.layers.1.mlp.down_proj.bias", 0.5f);
    assertOneLineError(
        logits(m), "model.layers.1.mlp.down_proj.bias", "nonzero bias the engine does not apply");
  }

  /** Output rows of a quantized module: qweight's columns (GPTQ packs along the input). */
  private static int rowsOf(Path model, String module) throws IOException {
    try (SafetensorsFile st = SafetensorsFile.open(model.resolve("model.safetensors"))) {
      return (int) st.tensor(module + ".qweight").shape()[1];
    }
  }

  /**
   * Rewrites the checkpoint with an f16 bias of zeros for every module in {@code biases} (name to
   * rows), except {@code odd}, which holds {@code value}.
   */
  private static void withBiases(Path model, Map<String, Integer> biases, String odd, float value)
      throws IOException {
    Path file = model.resolve("model.safetensors");
    SafetensorsWriter writer = new SafetensorsWriter();
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      for (TensorInfo info : st.tensors()) {
        if (biases.containsKey(info.name())) {
          continue;
        }
        ByteBuffer raw = st.tensor(info.name()).buffer();
        byte[] bytes = new byte[raw.remaining()];
        raw.duplicate().get(bytes);
        writer.add(info.name(), info.dtype(), info.shape(), bytes);
      }
    }
    for (Map.Entry<String, Integer> bias : biases.entrySet()) {
      float[] values = new float[bias.getValue()];
      if (bias.getKey().equals(odd)) {
        Arrays.fill(values, value);
      }
      writer.addF16(bias.getKey(), new long[] {values.length}, values);
    }
    writer.write(file);
  }

  @Test
  void dynamicBitsPerModuleAreHonoured() throws Exception {
    QuantizedTinyLlama.Layout layout = QuantizedTinyLlama.GPTQ_V2_ASYM.withDownProjBits(8);
    TinyLlama.Written model =
        QuantizedTinyLlama.write(dir.resolve(layout.name()), TinyLlama.LLAMA, layout, 4);
    int[] ids = {3, 99, 250, 17, 42};
    LogitsTrace trace;
    try (Engine engine =
        Engine.open(
            model.dir(), EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(32))) {
      trace = engine.logits(ids, 0);
    }
    double[][] expected = new Float64Llama(model).logits(ids);
    double worst = 0;
    double scale = 0;
    for (int r = 0; r < ids.length; r++) {
      for (int v = 0; v < trace.vocab(); v++) {
        worst = Math.max(worst, Math.abs(trace.rows()[r * trace.vocab() + v] - expected[r][v]));
        scale = Math.max(scale, Math.abs(expected[r][v]));
      }
    }
    assertTrue(worst <= 2e-4 * scale, "worst " + worst + " of " + scale);
  }
}
