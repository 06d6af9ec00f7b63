package dev.kernelj.llm.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.safetensors.SafetensorsFile;
import dev.kernelj.llm.safetensors.SafetensorsWriter;
import dev.kernelj.llm.util.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * 8x8 layers whose packed words are written out by hand, so the bit layout is pinned independently.
 */
class QuantizedHandComputedTest {
  private static final String P = "layer";

  @Test
  void gptqWordsUnpackAlongInputAndZerosMinusOne() {
    // W[o][i] has code (o + i) % 16. Column o of qweight packs inputs 0..7 of output o: nibble j =
    // code(o, j).
    int[] qweight = new int[8];
    for (int o = 0; o < 8; o++) {
      int word = 0;
      for (int j = 0; j < 8; j++) {
        word |= ((o + j) % 16) << (4 * j);
      }
      qweight[o] = word;
    }
    assertEquals(0x76543210, qweight[0]);
    assertEquals(0x87654321, qweight[1]);
    float[] scales = new float[8];
    Arrays.fill(scales, 0.5f);
    SafetensorsWriter writer =
        new SafetensorsWriter()
            .addI32(P + ".qweight", new long[] {1, 8}, qweight)
            .addI32(P + ".qzeros", new long[] {1, 1}, new int[] {0x77777777})
            .addF16(P + ".scales", new long[] {1, 8}, scales);
    QuantizedWeight w =
        read(
            writer,
            QuantizedRoundTripTest.config(
                QuantMethod.GPTQ, 4, 8, false, true, GptqZeroFormat.STORED_MINUS_ONE));
    float[] dense = Dequantizer.toFloat(w);
    for (int o = 0; o < 8; o++) {
      for (int i = 0; i < 8; i++) {
        assertEquals(((o + i) % 16 - 8) * 0.5f, dense[o * 8 + i], "W[" + o + "][" + i + "]");
      }
    }
    // An output's words are qweight's column: output 0's first word is 0x76543210.
    assertEquals(0x76543210, w.packedCodes()[w.rowStart(0)]);
    assertEquals(8f, w.zero(3, 0));
  }

  @Test
  void inputMajorWordsAreTheSameWeightAsRowMajorOnes() {
    // 3 outputs x 24 inputs of 4-bit codes: 3 words per output, word (o, w) = 0x100 * o + w.
    int out = 3;
    int words = 3;
    int[] rowMajor = new int[out * words];
    int[] inputMajor = new int[out * words];
    for (int o = 0; o < out; o++) {
      for (int w = 0; w < words; w++) {
        rowMajor[o * words + w] = 0x100 * o + w;
        inputMajor[w * out + o] = 0x100 * o + w;
      }
    }
    float[] scales = {1, 2, 3};
    float[] zeros = {8, 8, 8};
    int[] groups = new int[24];
    QuantizedWeight a =
        new QuantizedWeight(4, 24, out, 24, 1, rowMajor, false, scales, zeros, groups);
    QuantizedWeight b =
        new QuantizedWeight(4, 24, out, 24, 1, inputMajor, true, scales, zeros, groups);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < 24; i++) {
        assertEquals(a.code(o, i), b.code(o, i), "code(" + o + ", " + i + ")");
      }
      assertEquals(0x100 * o + 2, b.packedCodes()[b.rowStart(o) + 2 * b.wordStride()]);
    }
    assertEquals(1, b.code(2, 8), "input 8 is nibble 0 of word 1 = 0x201");
    assertEquals(2, b.code(2, 10), "input 10 is nibble 2 of word 1");
    inputMajor[1 * out + 2] ^= 1 << 4;
    assertTrue(!a.equals(b), "a changed word of output 2 is seen");
  }

  /**
   * GPTQModel writes v1 zeros by taking one off the whole word (0x11111111 for 4-bit, 0x01010101
   * for 8-bit), so a zero point of 0 borrows from the field above it; reading must add the word
   * back, not one to each field. Outputs 0..7 here have zero points {0, 5, 9, 3, 15, 1, 7, 0}.
   */
  @Test
  void gptqV1ZerosOfZeroBorrowFromTheFieldAbove() {
    int[] zeros4 = {0, 5, 9, 3, 15, 1, 7, 0};
    int exact4 = 0;
    for (int o = 0; o < 8; o++) {
      exact4 |= zeros4[o] << (4 * o);
    }
    QuantizedWeight w4 = readV1Zeros(4, exact4 - 0x11111111);
    for (int o = 0; o < 8; o++) {
      assertEquals(zeros4[o], w4.zero(o, 0), "4-bit zero point of output " + o);
    }
    int[] zeros8 = {0, 200, 0, 255};
    int exact8 = 0;
    for (int o = 0; o < 4; o++) {
      exact8 |= zeros8[o] << (8 * o);
    }
    QuantizedWeight w8 = readV1Zeros(8, exact8 - 0x01010101);
    for (int o = 0; o < 4; o++) {
      assertEquals(zeros8[o], w8.zero(o, 0), "8-bit zero point of output " + o);
    }
  }

  /** A one-group v1 layer of {@code 32 / bits} outputs whose qzeros word is {@code stored}. */
  private QuantizedWeight readV1Zeros(int bits, int stored) {
    int outputs = 32 / bits;
    float[] scales = new float[outputs];
    Arrays.fill(scales, 1f);
    SafetensorsWriter writer =
        new SafetensorsWriter()
            .addI32(P + ".qweight", new long[] {1, outputs}, new int[outputs])
            .addI32(P + ".qzeros", new long[] {1, 1}, new int[] {stored})
            .addF16(P + ".scales", new long[] {1, outputs}, scales);
    return read(
        writer,
        QuantizedRoundTripTest.config(
            QuantMethod.GPTQ, bits, -1, false, false, GptqZeroFormat.STORED_MINUS_ONE));
  }

  @Test
  void gptqV2ZerosAreStoredAsIs() {
    SafetensorsWriter writer =
        new SafetensorsWriter()
            .addI32(P + ".qweight", new long[] {1, 8}, new int[] {0x76543210, 0, 0, 0, 0, 0, 0, 0})
            .addI32(P + ".qzeros", new long[] {1, 1}, new int[] {0x00000003})
            .addF16(P + ".scales", new long[] {1, 8}, new float[] {1, 1, 1, 1, 1, 1, 1, 1});
    QuantizedWeight w =
        read(
            writer,
            QuantizedRoundTripTest.config(
                QuantMethod.GPTQ, 4, -1, false, false, GptqZeroFormat.EXACT));
    assertEquals(3f, w.zero(0, 0));
    assertEquals(0f, w.zero(1, 0));
    assertEquals(7 - 3f, w.weight(0, 7));
  }

  @Test
  void awqWordsUseTheInterleavedOutputOrder() {
    // Every input row: outputs 0..7 have codes 0..7. Nibble k holds output ORDER[k] =
    // 0,2,4,6,1,3,5,7.
    int[] qweight = new int[8];
    Arrays.fill(qweight, 0x75316420);
    float[] scales = new float[8];
    Arrays.fill(scales, 0.25f);
    SafetensorsWriter writer =
        new SafetensorsWriter()
            .addI32(P + ".qweight", new long[] {8, 1}, qweight)
            .addI32(P + ".qzeros", new long[] {1, 1}, new int[] {0x33333333})
            .addF16(P + ".scales", new long[] {1, 8}, scales);
    QuantizedWeight w =
        read(
            writer,
            QuantizedRoundTripTest.config(
                QuantMethod.AWQ, 4, 8, false, false, GptqZeroFormat.EXACT));
    for (int o = 0; o < 8; o++) {
      for (int i = 0; i < 8; i++) {
        assertEquals(o, w.code(o, i));
        assertEquals((o - 3) * 0.25f, w.weight(o, i));
      }
    }
    // With nibble k holding k: output 5 sits in nibble REVERSE[5] = 6, output 2 in nibble
    // REVERSE[2] = 1.
    SafetensorsWriter zeros =
        new SafetensorsWriter()
            .addI32(P + ".qweight", new long[] {8, 1}, qweight)
            .addI32(P + ".qzeros", new long[] {1, 1}, new int[] {0x76543210})
            .addF16(P + ".scales", new long[] {1, 8}, scales);
    QuantizedWeight z =
        read(
            zeros,
            QuantizedRoundTripTest.config(
                QuantMethod.AWQ, 4, 8, false, false, GptqZeroFormat.EXACT));
    assertEquals(6f, z.zero(5, 0));
    assertEquals(1f, z.zero(2, 0));
  }

  @Test
  void misshapenQzerosNamesTheTensor() {
    SafetensorsWriter writer =
        new SafetensorsWriter()
            .addI32(P + ".qweight", new long[] {1, 8}, new int[8])
            .addI32(P + ".qzeros", new long[] {2, 1}, new int[2])
            .addF16(P + ".scales", new long[] {1, 8}, new float[8]);
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class,
            () ->
                read(
                    writer,
                    QuantizedRoundTripTest.config(
                        QuantMethod.GPTQ, 4, 8, false, true, GptqZeroFormat.EXACT)));
    assertTrue(
        e.getMessage().contains("layer.qzeros") && e.getMessage().contains("[1, 1]"),
        e.getMessage());
    assertTrue(e.getMessage().startsWith("mem.safetensors"), e.getMessage());
  }

  @Test
  void missingScalesAndBadGIdxAreNamed() {
    SafetensorsWriter noScales =
        new SafetensorsWriter()
            .addI32(P + ".qweight", new long[] {1, 8}, new int[8])
            .addI32(P + ".qzeros", new long[] {1, 1}, new int[1]);
    ModelFormatException missing =
        assertThrows(
            ModelFormatException.class,
            () ->
                read(
                    noScales,
                    QuantizedRoundTripTest.config(
                        QuantMethod.GPTQ, 4, 8, false, true, GptqZeroFormat.EXACT)));
    assertTrue(
        missing.getMessage().contains("layer.scales") && missing.getMessage().contains("missing"));

    SafetensorsWriter badIndex =
        new SafetensorsWriter()
            .addI32(P + ".qweight", new long[] {1, 8}, new int[8])
            .addI32(P + ".qzeros", new long[] {1, 1}, new int[1])
            .addF16(P + ".scales", new long[] {1, 8}, new float[8])
            .addI32(P + ".g_idx", new long[] {8}, new int[] {0, 0, 0, 0, 0, 0, 0, 1});
    ModelFormatException outside =
        assertThrows(
            ModelFormatException.class,
            () ->
                read(
                    badIndex,
                    QuantizedRoundTripTest.config(
                        QuantMethod.GPTQ, 4, 8, true, true, GptqZeroFormat.EXACT)));
    assertTrue(outside.getMessage().contains("g_idx[7] = 1"), outside.getMessage());
  }

  private static QuantizedWeight read(SafetensorsWriter writer, QuantizationConfig config) {
    SafetensorsFile file =
        SafetensorsFile.fromBytes(ByteBuffer.wrap(writer.toBytes()), Path.of("mem.safetensors"));
    return QuantizedLinearReader.read(file, P, config);
  }
}
