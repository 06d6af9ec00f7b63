package dev.kernelj.llm.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.cli.KernelJ;
import dev.kernelj.llm.model.Float64Llama;
import dev.kernelj.llm.model.TinyLlama;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kernelj logits --device cpu} on tiny models the tests quantize themselves into each exact
 * checkpoint layout (GPTQ v1 with zeros stored minus one, gptq_v2, act-order with shared and with
 * per-module {@code g_idx}, symmetric and asymmetric, 8-bit, per-channel, AWQ's interleaved GEMM
 * packing; settings in config.json or in the tool's own file) against a float64 forward on the
 * dequantized weights, over the prompt and greedy decode steps. F32 non-quantized tensors give a
 * tight bound; the f16/bf16 ones real releases carry give the bound their rounding allows.
 */
class QuantizedModelLogitsTest {
  @TempDir Path dir;

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(QuantizedTinyLlama.GPTQ_V1_SYM, TinyLlama.LLAMA, 2e-4),
        Arguments.of(QuantizedTinyLlama.GPTQ_V1_ASYM, TinyLlama.MISTRAL, 2e-4),
        Arguments.of(QuantizedTinyLlama.GPTQ_V2_ASYM, TinyLlama.QWEN2, 2e-4),
        Arguments.of(QuantizedTinyLlama.GPTQ_ACT_ORDER, TinyLlama.QWEN3, 2e-4),
        Arguments.of(QuantizedTinyLlama.AWQ, TinyLlama.QWEN3, 2e-4),
        Arguments.of(QuantizedTinyLlama.GPTQ_ACT_ORDER, TinyLlama.LLAMA, 2e-4),
        Arguments.of(QuantizedTinyLlama.GPTQ_ACT_ORDER_UNSHARED, TinyLlama.GQA4, 2e-4),
        Arguments.of(QuantizedTinyLlama.GPTQ_8BIT, TinyLlama.LLAMA32_TIED, 2e-4),
        Arguments.of(QuantizedTinyLlama.GPTQ_8BIT_CHANNEL, TinyLlama.WIDE_Q, 2e-4),
        Arguments.of(QuantizedTinyLlama.AWQ, TinyLlama.MISTRAL, 2e-4),
        Arguments.of(QuantizedTinyLlama.AWQ_FILE, TinyLlama.QWEN2, 2e-4),
        Arguments.of(QuantizedTinyLlama.AWQ_CHANNEL, TinyLlama.LLAMA, 2e-4),
        // As released: f16 (GPTQ) or bf16 embeddings, norms, biases and LM head.
        Arguments.of(QuantizedTinyLlama.GPTQ_ACT_ORDER, TinyLlama.QWEN2.withDtype("F16"), 1e-2),
        Arguments.of(QuantizedTinyLlama.AWQ, TinyLlama.LLAMA.withDtype("BF16"), 3e-2));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void cpuLogitsMatchTheFloat64ForwardOfTheDequantizedModel(
      QuantizedTinyLlama.Layout layout, TinyLlama.Spec spec, double tolerance) throws Exception {
    TinyLlama.Written model =
        QuantizedTinyLlama.write(dir.resolve(layout.name() + "-" + spec.name()), spec, layout, 5);
    int[] prompt = new Random(9).ints(11, 0, TinyLlama.VOCAB).toArray();
    int steps = 6;
    Path out = dir.resolve("logits.bin");
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int code =
        KernelJ.execute(
            new String[] {
              "logits",
              "--model",
              model.dir().toString(),
              "--ids",
              Arrays.stream(prompt).mapToObj(Integer::toString).collect(Collectors.joining(",")),
              "--steps",
              Integer.toString(steps),
              "--out",
              out.toString(),
              "--device",
              "cpu"
            },
            new PrintWriter(stdout),
            new PrintWriter(stderr));
    assertEquals(0, code, stderr.toString());
    int vocab = TinyLlama.VOCAB;
    byte[] bytes = Files.readAllBytes(out);
    assertEquals((prompt.length + steps) * vocab * 4, bytes.length);
    float[] rows = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(rows);
    int[] greedy =
        Arrays.stream(stdout.toString().strip().split(",")).mapToInt(Integer::parseInt).toArray();
    int[] all = Arrays.copyOf(prompt, prompt.length + steps);
    System.arraycopy(greedy, 0, all, prompt.length, steps);

    double[][] expected = new Float64Llama(model).logits(all);
    double scale =
        Arrays.stream(expected).flatMapToDouble(Arrays::stream).map(Math::abs).max().orElse(1);
    double worst = 0;
    for (int r = 0; r < expected.length; r++) {
      for (int v = 0; v < vocab; v++) {
        float got = rows[r * vocab + v];
        assertTrue(Float.isFinite(got), "row " + r + " holds a non-finite logit");
        worst = Math.max(worst, Math.abs(got - expected[r][v]));
      }
    }
    assertTrue(
        worst <= tolerance * scale,
        layout
            + " "
            + spec.name()
            + ": worst logit difference "
            + worst
            + " > "
            + tolerance
            + " x "
            + scale);
  }
}
