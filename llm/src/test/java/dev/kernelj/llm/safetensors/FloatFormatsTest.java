package dev.kernelj.llm.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FloatFormatsTest {
  @Test
  void halfKnownValues() {
    assertEquals(1.0f, FloatFormats.halfToFloat((short) 0x3C00));
    assertEquals(-2.0f, FloatFormats.halfToFloat((short) 0xC000));
    assertEquals(65504f, FloatFormats.halfToFloat((short) 0x7BFF));
    assertEquals(0x1p-24f, FloatFormats.halfToFloat((short) 0x0001));
    assertEquals(Float.POSITIVE_INFINITY, FloatFormats.halfToFloat((short) 0x7C00));
    assertTrue(Float.isNaN(FloatFormats.halfToFloat((short) 0x7E00)));
    assertEquals(
        Float.floatToIntBits(-0.0f),
        Float.floatToIntBits(FloatFormats.halfToFloat((short) 0x8000)));
  }

  @Test
  void everyHalfRoundTripsExactly() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float value = FloatFormats.halfToFloat((short) bits);
      if (!Float.isNaN(value)) {
        assertEquals(
            bits, FloatFormats.floatToHalf(value) & 0xFFFF, "half 0x" + Integer.toHexString(bits));
      }
    }
  }

  @Test
  void halfRoundsToNearestEven() {
    // 1 + 2^-11 lies exactly between 1 and the next half (1 + 2^-10): ties to even gives 1.
    assertEquals(0x3C00, FloatFormats.floatToHalf(1 + 0x1p-11f) & 0xFFFF);
    assertEquals(0x3C01, FloatFormats.floatToHalf(1 + 0x1p-11f + 0x1p-20f) & 0xFFFF);
    // 1 + 3 * 2^-11 is between 0x3C01 and 0x3C02: tie, to even 0x3C02.
    assertEquals(0x3C02, FloatFormats.floatToHalf(1 + 3 * 0x1p-11f) & 0xFFFF);
    assertEquals(0x7C00, FloatFormats.floatToHalf(65520f) & 0xFFFF, "rounds up to infinity");
    assertEquals(0x7BFF, FloatFormats.floatToHalf(65519f) & 0xFFFF);
    assertEquals(0x0000, FloatFormats.floatToHalf(0x1p-26f) & 0xFFFF);
    assertEquals(0x0001, FloatFormats.floatToHalf(0x1p-24f * 0.75f) & 0xFFFF);
  }

  @Test
  void bf16() {
    assertEquals(1.0f, FloatFormats.bf16ToFloat((short) 0x3F80));
    assertEquals(0x3F80, FloatFormats.floatToBf16(1.0f) & 0xFFFF);
    // 1 + 2^-8 is the tie between 0x3F80 and 0x3F81: to even.
    assertEquals(0x3F80, FloatFormats.floatToBf16(1 + 0x1p-8f) & 0xFFFF);
    assertEquals(0x3F81, FloatFormats.floatToBf16(1 + 0x1p-8f + 0x1p-20f) & 0xFFFF);
    assertTrue(Float.isNaN(FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(Float.NaN))));
  }

  @Test
  void fp8() {
    assertEquals(448f, FloatFormats.e4m3ToFloat((byte) 0x7E));
    assertEquals(-448f, FloatFormats.e4m3ToFloat((byte) 0xFE));
    assertTrue(Float.isNaN(FloatFormats.e4m3ToFloat((byte) 0x7F)));
    assertEquals(1.0f, FloatFormats.e4m3ToFloat((byte) 0x38));
    assertEquals(0x1p-9f, FloatFormats.e4m3ToFloat((byte) 0x01));
    assertEquals(57344f, FloatFormats.e5m2ToFloat((byte) 0x7B));
    assertEquals(Float.NEGATIVE_INFINITY, FloatFormats.e5m2ToFloat((byte) 0xFC));
    assertEquals(1.0f, FloatFormats.e5m2ToFloat((byte) 0x3C));
  }
}
