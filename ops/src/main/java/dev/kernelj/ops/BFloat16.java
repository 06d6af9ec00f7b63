package dev.kernelj.ops;

/**
 * bfloat16 (CUDA's {@code __nv_bfloat16}: the top 16 bits of a float) to and from float, on the
 * host. Narrowing rounds to nearest even, like {@code __float2bfloat16_rn}; NaN stays a quiet NaN.
 */
public final class BFloat16 {
  private BFloat16() {}

  /** The float value of bf16 bits {@code b}. Exact. */
  public static float toFloat(short b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }

  /** The bf16 nearest to {@code f} (ties to even), as raw bits. */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7fffffff) > 0x7f800000) {
      return (short) ((bits >>> 16) | 0x40); // NaN: keep sign and payload top, force quiet
    }
    // Adding 0x7fff plus the lowest kept bit rounds to nearest, ties to even; overflow carries into
    // the exponent and ends at infinity, as it should.
    int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  /** Float to bf16 and back: the value a kernel writing {@code __nv_bfloat16} stores. */
  public static float round(float f) {
    return toFloat(fromFloat(f));
  }
}
