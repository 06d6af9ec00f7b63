package dev.kernelj.llm.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.safetensors.SafetensorsFile;
import dev.kernelj.llm.safetensors.SafetensorsWriter;
import dev.kernelj.ops.reference.ReferenceOps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random f32 weights -> the tests' quantizer -> packed as GPTQ / AWQ tools pack -> safetensors file
 * -> loaded -> dequantized: equal to the quantizer's own dequantization bit for bit, and within
 * half a quantization step of the original weights.
 */
class QuantizedRoundTripTest {
  private static final String LAYER = "model.layers.0.mlp.down_proj";

  @TempDir Path dir;

  @Test
  void gptq4BitSymmetricV1() throws IOException {
    checkGptq(4, 32, true, false, false, 96, 64);
  }

  @Test
  void gptq4BitAsymmetricV2() throws IOException {
    checkGptq(4, 64, false, true, false, 128, 48);
  }

  @Test
  void gptq4BitAsymmetricV1() throws IOException {
    checkGptq(4, 32, false, false, false, 64, 32);
  }

  @Test
  void gptq8BitSingleGroup() throws IOException {
    checkGptq(8, -1, true, false, false, 80, 40);
  }

  @Test
  void gptq8BitAsymmetricGrouped() throws IOException {
    checkGptq(8, 32, false, true, false, 96, 24);
  }

  @Test
  void gptq4BitActOrder() throws IOException {
    QuantizedWeight w = checkGptq(4, 32, true, false, true, 128, 32);
    assertTrue(w.hasActOrder());
    int[] perm = w.actOrderPermutation();
    for (int k = 1; k < perm.length; k++) {
      assertTrue(w.group(perm[k - 1]) <= w.group(perm[k]), "groups contiguous after permutation");
    }
    assertArrayEquals(IntStream.range(0, 128).toArray(), IntStream.of(perm).sorted().toArray());
  }

  @Test
  void awq4Bit() throws IOException {
    Random random = new Random(7);
    float[][] original = randomWeights(random, 40, 128);
    ReferenceQuantizer.Quantized q = ReferenceQuantizer.awq(original, 32);
    SafetensorsWriter writer = new SafetensorsWriter();
    ReferencePacker.addAwq(writer, LAYER, q);
    QuantizedWeight w =
        load(writer, config(QuantMethod.AWQ, 4, 32, false, false, GptqZeroFormat.EXACT));
    assertFalse(w.hasActOrder());
    assertMatches(q, original, w);
  }

  private QuantizedWeight checkGptq(
      int bits, int groupSize, boolean sym, boolean v2, boolean actOrder, int in, int out)
      throws IOException {
    Random random = new Random(bits * 1000L + in + out + (sym ? 1 : 0) + (v2 ? 2 : 0));
    float[][] original = randomWeights(random, out, in);
    int[] order = IntStream.range(0, in).toArray();
    if (actOrder) {
      List<Integer> shuffled = new ArrayList<>(IntStream.range(0, in).boxed().toList());
      Collections.shuffle(shuffled, random);
      order = shuffled.stream().mapToInt(Integer::intValue).toArray();
    }
    ReferenceQuantizer.Quantized q = ReferenceQuantizer.gptq(original, bits, groupSize, sym, order);
    SafetensorsWriter writer = new SafetensorsWriter();
    ReferencePacker.addGptq(writer, LAYER, q, v2, true);
    QuantizedWeight w =
        load(
            writer,
            config(
                QuantMethod.GPTQ,
                bits,
                groupSize,
                actOrder,
                sym,
                v2 ? GptqZeroFormat.EXACT : GptqZeroFormat.STORED_MINUS_ONE));
    assertEquals(bits, w.bits());
    assertMatches(q, original, w);
    return w;
  }

  /**
   * A quantized LM head (GPTQModel's {@code lm_head: true}) is dequantized into a dense tensor for
   * the logits matmul: in slices of rows, each value the quantizer's own dequantization.
   */
  @Test
  void aQuantizedHeadDequantizesToTheQuantizersValuesAcrossSlices() throws IOException {
    int vocab = 264; // 264 x 4096 inputs: the loader's 1M-value slices cut it in two
    int hidden = 4096;
    Random random = new Random(11);
    List<Integer> order = new ArrayList<>(IntStream.range(0, hidden).boxed().toList());
    Collections.shuffle(order, random);
    ReferenceQuantizer.Quantized q =
        ReferenceQuantizer.gptq(
            randomWeights(random, vocab, hidden),
            4,
            128,
            true,
            order.stream().mapToInt(Integer::intValue).toArray());
    SafetensorsWriter writer = new SafetensorsWriter();
    ReferencePacker.addGptq(writer, "lm_head", q, false, true);
    Path file = dir.resolve("model.safetensors");
    writer.write(file);
    QuantizationConfig config =
        config(QuantMethod.GPTQ, 4, 128, true, true, GptqZeroFormat.STORED_MINUS_ONE);
    float[] head;
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(file)) {
      QuantizedProjectionLoader loader =
          new QuantizedProjectionLoader(checkpoint, config, new ReferenceOps());
      assertTrue(loader.isQuantized("lm_head"));
      head = loader.dequantized("lm_head", vocab, hidden, DType.F32).toFloatArray();
    }
    for (int o = 0; o < vocab; o++) {
      for (int i = 0; i < hidden; i++) {
        assertEquals(
            Float.floatToIntBits(q.dequantized(o, i)),
            Float.floatToIntBits(head[o * hidden + i]),
            "lm_head[" + o + "][" + i + "]");
      }
    }
  }

  private QuantizedWeight load(SafetensorsWriter writer, QuantizationConfig config)
      throws IOException {
    Path file = dir.resolve("model.safetensors");
    writer.write(file);
    try (SafetensorsFile tensors = SafetensorsFile.open(file)) {
      return QuantizedLinearReader.read(tensors, LAYER, config);
    }
  }

  static QuantizationConfig config(
      QuantMethod method,
      int bits,
      int groupSize,
      boolean descAct,
      boolean sym,
      GptqZeroFormat zeros) {
    return new QuantizationConfig(
        Path.of("config.json"), method, bits, groupSize, descAct, sym, zeros, List.of());
  }

  private static void assertMatches(
      ReferenceQuantizer.Quantized q, float[][] original, QuantizedWeight w) {
    assertEquals(q.in(), w.inFeatures());
    assertEquals(q.out(), w.outFeatures());
    assertEquals(q.groups(), w.groupCount());
    float[] dense = Dequantizer.toFloat(w);
    int maxq = (1 << q.bits()) - 1;
    for (int o = 0; o < q.out(); o++) {
      for (int i = 0; i < q.in(); i++) {
        assertEquals(q.codes()[o][i], w.code(o, i), "code at " + o + "," + i);
        float expected = q.dequantized(o, i);
        assertEquals(
            Float.floatToIntBits(expected),
            Float.floatToIntBits(dense[o * q.in() + i]),
            "dequantized value at " + o + "," + i);
        float scale = q.scales()[q.gIdx()[i]][o];
        // Half a step, plus what rounding the scale to f16 moves the farthest grid point by.
        float bound = scale * 0.5f + maxq * scale * 0x1p-11f + 1e-7f;
        assertTrue(
            Math.abs(original[o][i] - dense[o * q.in() + i]) <= bound,
            "quantization error at "
                + o
                + ","
                + i
                + ": "
                + original[o][i]
                + " vs "
                + dense[o * q.in() + i]
                + " (scale "
                + scale
                + ")");
      }
    }
  }

  static float[][] randomWeights(Random random, int out, int in) {
    float[][] w = new float[out][in];
    for (float[] row : w) {
      for (int i = 0; i < in; i++) {
        row[i] = (float) (random.nextGaussian() * 0.02);
      }
    }
    return w;
  }
}
