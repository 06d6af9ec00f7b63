package dev.kernelj.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** f16 and bf16 conversions against definitions computed in double. */
class FloatFormatsTest {

  /** The value of half bits, straight from the IEEE 754 definition, in double. */
  static double halfValue(int bits) {
    int sign = (bits >> 15) & 1;
    int exponent = (bits >> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    double magnitude;
    if (exponent == 0x1f) {
      magnitude = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
    } else if (exponent == 0) {
      magnitude = mantissa * Math.pow(2, -24);
    } else {
      magnitude = (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
    }
    return sign == 1 ? -magnitude : magnitude;
  }

  @Test
  void everyHalfBitPatternWidensExactly() {
    for (int bits = 0; bits < 65536; bits++) {
      double expected = halfValue(bits);
      float actual = Float16.toFloat((short) bits);
      if (Double.isNaN(expected)) {
        assertTrue(Float.isNaN(actual), "bits 0x" + Integer.toHexString(bits));
      } else {
        assertEquals(expected, actual, 0.0, "bits 0x" + Integer.toHexString(bits));
        assertEquals(
            Double.doubleToRawLongBits(expected) >>> 63,
            (long) (Float.floatToRawIntBits(actual) >>> 31),
            "sign of 0x" + Integer.toHexString(bits));
      }
    }
  }

  @Test
  void everyHalfRoundTripsAndNaNStaysNaN() {
    for (int bits = 0; bits < 65536; bits++) {
      float f = Float16.toFloat((short) bits);
      short back = Float16.fromFloat(f);
      if (Float.isNaN(f)) {
        assertTrue(Float.isNaN(Float16.toFloat(back)), "NaN 0x" + Integer.toHexString(bits));
      } else {
        assertEquals(bits, back & 0xffff, "round trip of 0x" + Integer.toHexString(bits));
      }
    }
  }

  /**
   * Nearest half to x by search over all finite halves, ties to even mantissa; overflow past
   * max+half-ulp is infinity.
   */
  static int nearestHalf(double x) {
    if (Math.abs(x)
        >= 65520.0) { // 65504 + half an ulp (16): IEEE rounds this and above to infinity
      return x > 0 ? 0x7c00 : 0xfc00;
    }
    int sign = x < 0 || (x == 0 && 1 / x < 0) ? 0x8000 : 0;
    double a = Math.abs(x);
    int best = 0;
    double bestErr = Double.MAX_VALUE;
    for (int bits = 0; bits < 0x7c00; bits++) {
      double err = Math.abs(halfValue(bits) - a);
      if (err < bestErr || (err == bestErr && (bits & 1) == 0)) {
        best = bits;
        bestErr = err;
      }
    }
    return sign | best;
  }

  @Test
  void floatsRoundToTheNearestHalfTiesToEven() {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 400; i++) {
      // spread over the whole half range, subnormals included
      float f = (float) ((random.nextBoolean() ? -1 : 1) * Math.pow(2, random.nextDouble(-27, 17)));
      assertEquals(nearestHalf(f), Float16.fromFloat(f) & 0xffff, "f = " + f);
    }
    // exact midpoints between neighbouring halves round to the even one
    for (int bits = 0; bits < 0x7bff; bits += 97) {
      double mid = (halfValue(bits) + halfValue(bits + 1)) / 2;
      int expectedEven = (bits & 1) == 0 ? bits : bits + 1;
      assertEquals(
          expectedEven,
          Float16.fromFloat((float) mid) & 0xffff,
          "midpoint above 0x" + Integer.toHexString(bits));
    }
    assertEquals(0x7c00, Float16.fromFloat(65520f) & 0xffff);
    assertEquals(0x7bff, Float16.fromFloat(65519f) & 0xffff);
    assertEquals(0x0001, Float16.fromFloat((float) Math.pow(2, -24)) & 0xffff);
    assertEquals(
        0x0000,
        Float16.fromFloat((float) Math.pow(2, -25)) & 0xffff,
        "a tie with zero goes to zero (even)");
    assertEquals(0x0001, Float16.fromFloat((float) (Math.pow(2, -25) * 1.0001)) & 0xffff);
    assertEquals(0x8000, Float16.fromFloat(-0f) & 0xffff);
  }

  @Test
  void everyBf16BitPatternWidensAndRoundTrips() {
    for (int bits = 0; bits < 65536; bits++) {
      float f = BFloat16.toFloat((short) bits);
      assertEquals(bits << 16, Float.floatToRawIntBits(f));
      short back = BFloat16.fromFloat(f);
      if (Float.isNaN(f)) {
        assertTrue(Float.isNaN(BFloat16.toFloat(back)));
      } else {
        assertEquals(bits, back & 0xffff);
      }
    }
  }

  @Test
  void floatsRoundToTheNearestBf16TiesToEven() {
    SplittableRandom random = new SplittableRandom(2);
    for (int i = 0; i < 100_000; i++) {
      float f = Float.intBitsToFloat(random.nextInt());
      if (Float.isNaN(f)) {
        assertTrue(Float.isNaN(BFloat16.round(f)));
        continue;
      }
      int bits = Float.floatToRawIntBits(f);
      // the two candidates: truncation and the next bf16 away from zero, compared in double
      double down = Float.intBitsToFloat(bits & 0xffff0000);
      double up = Float.intBitsToFloat((bits & 0xffff0000) + 0x10000);
      double errDown = Math.abs(f - down);
      double errUp = Math.abs(up - f);
      int truncated = bits >>> 16;
      int expected =
          errDown < errUp
              ? truncated
              : errUp < errDown
                  ? truncated + 1
                  : ((truncated & 1) == 0 ? truncated : truncated + 1);
      assertEquals(expected & 0xffff, BFloat16.fromFloat(f) & 0xffff, "f = " + f);
    }
    assertEquals(Float.POSITIVE_INFINITY, BFloat16.round(Float.MAX_VALUE));
  }
}
