package dev.kernelj.llm.safetensors;

import dev.kernelj.ops.BFloat16;
import dev.kernelj.ops.Float16;

/**
 * Conversions between {@code float} and the narrow floating-point formats found in checkpoints.
 * Java 17 has no {@code Float.float16ToFloat}; half and bfloat16 come from the ops module, the FP8
 * formats are written out here. All conversions to narrow formats round to nearest even.
 */
public final class FloatFormats {
  private FloatFormats() {}

  /**
   * IEEE 754 binary16 bits to float (exact); the ops module's conversion, shared with the kernels'
   * host side.
   */
  public static float halfToFloat(short bits) {
    return Float16.toFloat(bits);
  }

  /**
   * Float to IEEE 754 binary16 bits, rounding to nearest even; overflow gives infinity, NaN stays
   * NaN.
   */
  public static short floatToHalf(float value) {
    return Float16.fromFloat(value);
  }

  /** bfloat16 bits to float (exact). */
  public static float bf16ToFloat(short bits) {
    return BFloat16.toFloat(bits);
  }

  /** Float to bfloat16 bits, rounding to nearest even; NaN stays NaN. */
  public static short floatToBf16(float value) {
    return BFloat16.fromFloat(value);
  }

  /** OCP FP8 E4M3 ("fn": no infinities, 0x7F/0xFF are NaN, max 448) to float. */
  public static float e4m3ToFloat(byte bits) {
    int b = bits & 0xFF;
    boolean negative = (b & 0x80) != 0;
    int exponent = (b >>> 3) & 0xF;
    int mantissa = b & 0x7;
    float magnitude;
    if (exponent == 0xF && mantissa == 0x7) {
      return Float.NaN;
    } else if (exponent == 0) {
      magnitude = mantissa * 0x1p-9f;
    } else {
      magnitude = (1 + mantissa / 8f) * (float) Math.scalb(1.0, exponent - 7);
    }
    return negative ? -magnitude : magnitude;
  }

  /** OCP FP8 E5M2 (IEEE-like, with infinities and NaNs) to float: the top byte of a binary16. */
  public static float e5m2ToFloat(byte bits) {
    return halfToFloat((short) ((bits & 0xFF) << 8));
  }
}
