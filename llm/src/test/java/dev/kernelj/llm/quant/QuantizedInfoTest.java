package dev.kernelj.llm.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kernelj.llm.cli.KernelJ;
import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.model.TinyLlama;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What {@code kernelj info} and the engine say a quantized model takes. */
class QuantizedInfoTest {
  @TempDir Path dir;

  @Test
  void infoShowsThePackedWeightsAgainstTheirBf16Twin() throws Exception {
    TinyLlama.Written model =
        QuantizedTinyLlama.write(
            dir.resolve("q"), TinyLlama.LLAMA, QuantizedTinyLlama.GPTQ_ACT_ORDER, 1);
    JsonObject memory = infoMemory(model.dir());
    long packed = memory.get("weights_bytes").getAsLong();
    long twin = memory.get("bf16_twin_weights_bytes").getAsLong();
    TinyLlama.Spec s = TinyLlama.LLAMA;
    assertEquals(bf16TwinBytes(s), twin);
    assertTrue(packed < twin, packed + " vs " + twin);
    try (Engine engine =
        Engine.open(
            model.dir(), EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(16))) {
      // The reference backend holds dense tensors as 4-byte floats, packed words as they are.
      long dense =
          4L * (2L * TinyLlama.VOCAB * s.hidden() + s.layers() * 2L * s.hidden() + s.hidden());
      long words = engine.weightBytes() - dense;
      // info counts an act-order input map per module; fused q/k/v and gate/up share one.
      long mapsShared = s.layers() * 3L * s.hidden() * 4;
      assertTrue(
          words <= packed - dense / 2 && words >= packed - dense / 2 - mapsShared,
          "packed words on the host are the GPU's: " + words + " vs " + (packed - dense / 2));
    }
  }

  /** The {@code memory} object of {@code kernelj info --json} on {@code modelDir}. */
  private static JsonObject infoMemory(Path modelDir) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        KernelJ.execute(
            new String[] {"info", "--model", modelDir.toString(), "--json"},
            new PrintWriter(out),
            new PrintWriter(err));
    assertEquals(0, code, err.toString());
    return JsonParser.parseString(out.toString()).getAsJsonObject().getAsJsonObject("memory");
  }

  /** Every parameter in bf16: embedding, LM head, norms and the seven projections per layer. */
  private static long bf16TwinBytes(TinyLlama.Spec s) {
    long q = (long) s.heads() * s.headDim();
    long kv = (long) s.kvHeads() * s.headDim();
    long perLayer =
        s.hidden() * (q + 2 * kv)
            + q * s.hidden()
            + 3L * s.hidden() * s.intermediate()
            + 2L * s.hidden();
    return 2 * (2L * TinyLlama.VOCAB * s.hidden() + s.layers() * perLayer + s.hidden());
  }

  /**
   * A module with its own bits ({@code dynamic}) packs more inputs a word or fewer: info reads its
   * shape with its bits, so the twin and the packed size match what the engine loads.
   */
  @Test
  void infoReadsEachModuleWithItsOwnBits() throws Exception {
    QuantizedTinyLlama.Layout layout = QuantizedTinyLlama.GPTQ_V2_ASYM.withDownProjBits(8);
    TinyLlama.Written model =
        QuantizedTinyLlama.write(dir.resolve(layout.name()), TinyLlama.LLAMA, layout, 2);
    JsonObject memory = infoMemory(model.dir());
    assertEquals(bf16TwinBytes(TinyLlama.LLAMA), memory.get("bf16_twin_weights_bytes").getAsLong());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        KernelJ.execute(
            new String[] {"info", "--model", model.dir().toString()},
            new PrintWriter(out),
            new PrintWriter(err));
    assertEquals(0, code, err.toString());
    assertTrue(
        out.toString().contains("GPTQ 4-bit")
            && out.toString().contains("(dynamic): .*down_proj: 8-bit"),
        out.toString());
    try (Engine engine =
        Engine.open(
            model.dir(), EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(16))) {
      TinyLlama.Spec s = TinyLlama.LLAMA;
      long dense =
          4L * (2L * TinyLlama.VOCAB * s.hidden() + s.layers() * 2L * s.hidden() + s.hidden());
      assertEquals(
          memory.get("weights_bytes").getAsLong() - dense / 2,
          engine.weightBytes() - dense,
          "packed words on the host are what info counts");
    }
  }

  @ParameterizedTest(name = "context {0}")
  @CsvSource({"128", "32"})
  void infoCountsTheQuantizedMatmulScratchInTheGpuTotal(int context) throws Exception {
    TinyLlama.Written model =
        QuantizedTinyLlama.write(
            dir.resolve("q"), TinyLlama.LLAMA, QuantizedTinyLlama.GPTQ_ACT_ORDER, 1);
    JsonObject memory = infoMemory(model.dir(), "--context", String.valueOf(context));
    TinyLlama.Spec s = TinyLlama.LLAMA;
    // Act-order: x gathered for the widest weight, down_proj's 96 inputs padded to the 64-input
    // tile. From 64 rows, the largest fused matrix (gate/up, 2 x 96 rows of 64 inputs) in bf16.
    long gather = (long) context * 128 * 2;
    long dense = context >= 64 ? 2L * s.intermediate() * s.hidden() * 2 : 0;
    assertEquals(gather + dense, memory.get("matmul_scratch_bytes").getAsLong());
    assertEquals(
        memory.get("weights_bytes").getAsLong()
            + memory.get("kv_cache_bytes").getAsLong()
            + gather
            + dense,
        memory.get("total_bytes").getAsLong());
    JsonObject cpu = infoMemory(model.dir(), "--device", "cpu");
    assertTrue(!cpu.has("matmul_scratch_bytes") || cpu.get("matmul_scratch_bytes").isJsonNull());
  }

  private static JsonObject infoMemory(Path model, String... options) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> args = new ArrayList<>(List.of("info", "--model", model.toString(), "--json"));
    args.addAll(List.of(options));
    int code =
        KernelJ.execute(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    assertEquals(0, code, err.toString());
    return JsonParser.parseString(out.toString()).getAsJsonObject().getAsJsonObject("memory");
  }

  @Test
  void llama3EightBInFourBitGroup128FitsSixGigabytes() {
    long hidden = 4096;
    long inter = 14336;
    long kv = 1024;
    long vocab = 128256;
    long perLayer =
        QuantizedFootprint.packedBytes(4, hidden + 2 * kv, hidden, 32, false)
            + QuantizedFootprint.packedBytes(4, hidden, hidden, 32, false)
            + QuantizedFootprint.packedBytes(4, 2 * inter, hidden, 32, false)
            + QuantizedFootprint.packedBytes(4, hidden, inter, 112, false)
            + 2 * 2 * hidden;
    long total = 32 * perLayer + 2 * 2 * vocab * hidden + 2 * hidden;
    assertTrue(total <= 6_000_000_000L, "weights take " + total + " bytes");
    // Codes are half a byte per weight; scales and zeros 4 bytes per 128 weights (1/16 more).
    long linear = 32 * (hidden * (hidden + 2 * kv) + hidden * hidden + 3 * hidden * inter);
    assertTrue(32 * (perLayer - 4 * hidden) <= linear / 2 * 17 / 16 + linear / 1000);
  }
}
