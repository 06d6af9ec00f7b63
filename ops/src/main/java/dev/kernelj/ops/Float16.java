package dev.kernelj.ops;

/**
 * IEEE 754 binary16 ("half", CUDA's {@code __half}) to and from float, on the host. Conversions are
 * exact where the value is representable, round to nearest even otherwise, and keep subnormals,
 * infinities, signed zeros and NaN (a NaN stays a quiet NaN).
 */
public final class Float16 {
  private Float16() {}

  /** The float value of half bits {@code h} (low 16 bits used). Exact: every half is a float. */
  public static float toFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      // Infinity or NaN; NaN payload moved to the top of the float mantissa, quiet bit set.
      return Float.intBitsToFloat(
          sign | 0x7f800000 | (mantissa << 13) | (mantissa != 0 ? 0x400000 : 0));
    }
    if (exponent == 0) {
      // Zero or subnormal: mantissa * 2^-24, exactly representable as a float.
      float magnitude = mantissa * 0x1p-24f;
      return sign != 0 ? -magnitude : magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }

  /** The half nearest to {@code f} (ties to even), as raw bits. Overflow gives infinity. */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xff;
    int mantissa = bits & 0x7fffff;
    if (exponent == 0xff) {
      return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 | (mantissa >>> 13) : 0));
    }
    int unbiased = exponent - 127;
    if (unbiased > 15) {
      return (short) (sign | 0x7c00); // too large even before rounding
    }
    if (unbiased >= -14) {
      // Normal half: keep 10 mantissa bits, round the 13 dropped bits to nearest even. A carry out
      // of the mantissa correctly bumps the exponent (and reaches infinity at the top).
      int half = ((unbiased + 15) << 10) | (mantissa >>> 13);
      return (short) (sign | roundShifted(half, mantissa & 0x1fff, 13));
    }
    if (unbiased < -25) {
      return (short) sign; // below half the smallest subnormal: rounds to zero
    }
    // Subnormal half: value = full * 2^(unbiased - 23) with the implicit bit; in units of 2^-24.
    int full = mantissa | 0x800000;
    int shift = -unbiased - 1; // 14..24 bits to drop so that the result counts units of 2^-24
    int kept = full >>> shift;
    int dropped = full & ((1 << shift) - 1);
    return (short) (sign | roundShifted(kept, dropped, shift));
  }

  /** Float to half and back: the value a kernel writing {@code __half} stores. */
  public static float round(float f) {
    return toFloat(fromFloat(f));
  }

  /**
   * {@code kept} rounded to nearest even given the {@code droppedBits} low bits that were shifted
   * out.
   */
  private static int roundShifted(int kept, int dropped, int droppedBits) {
    int halfway = 1 << (droppedBits - 1);
    if (dropped > halfway || (dropped == halfway && (kept & 1) != 0)) {
      return kept + 1;
    }
    return kept;
  }
}
