package dev.kernelj.ops.kernels.attention;

/**
 * Host bf16 conversion for the tests (round to nearest even), and rounding of f32 values through
 * bf16.
 */
public final class Bf16 {
  private Bf16() {}

  public static short encode(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) 0x7FC0;
    }
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }

  public static float decode(short b) {
    return Float.intBitsToFloat((b & 0xFFFF) << 16);
  }

  public static short[] encode(float[] values) {
    short[] out = new short[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = encode(values[i]);
    }
    return out;
  }

  public static float[] decode(short[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = decode(values[i]);
    }
    return out;
  }

  /** The values as bf16 would store them, so a reference sees exactly the device's inputs. */
  public static float[] round(float[] values) {
    return decode(encode(values));
  }
}
