package dev.kernelj.llm.safetensors;

/**
 * Conversions between {@code float} and the narrow floating-point formats found in checkpoints. Java 17 has no
 * {@code Float.float16ToFloat}, so these are written out; all conversions to narrow formats round to nearest even.
 */
public final class FloatFormats {
    private FloatFormats() {
    }

    /** IEEE 754 binary16 bits to float (exact). */
    public static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Subnormal (or zero): value = mantissa * 2^-24, exact in float.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Float to IEEE 754 binary16 bits, rounding to nearest even; overflow gives infinity, NaN stays NaN. */
    public static short floatToHalf(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int exponent = (f >>> 23) & 0xFF;
        int mantissa = f & 0x7F_FFFF;
        if (exponent == 0xFF) {
            return (short) (sign | 0x7C00 | (mantissa != 0 ? 0x200 | (mantissa >>> 13) : 0));
        }
        int halfExponent = exponent - 127 + 15;
        if (halfExponent >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (halfExponent <= 0) {
            if (halfExponent < -10) {
                return (short) sign;
            }
            // Subnormal half: shift the full significand (with its implicit 1) into place, then round.
            int significand = mantissa | 0x80_0000;
            int shift = 14 - halfExponent;
            return (short) (sign | roundShift(significand, shift));
        }
        int rounded = roundShift((halfExponent << 23) | mantissa, 13);
        // A carry out of the mantissa correctly bumps the exponent, up to infinity (0x7C00).
        return (short) (sign | rounded);
    }

    /** bfloat16 bits to float (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Float to bfloat16 bits, rounding to nearest even; NaN stays NaN. */
    public static short floatToBf16(float value) {
        int f = Float.floatToRawIntBits(value);
        if ((f & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((f >>> 16) | 0x40);
        }
        return (short) (roundShift(f, 16) & 0xFFFF);
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

    /** {@code value >>> shift} rounded to nearest, ties to even. */
    private static int roundShift(int value, int shift) {
        int truncated = value >>> shift;
        int remainder = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (remainder > half || (remainder == half && (truncated & 1) != 0)) {
            truncated++;
        }
        return truncated;
    }
}
