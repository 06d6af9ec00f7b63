package dev.kernelj.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Llama 3 frequency scaling against the rule worked out by hand for each band. */
class RopeConfigTest {
  @Test
  void llama3ScalingKeepsHighDividesLowAndBlendsTheMiddle() {
    // Llama 3.1: theta 500000, factor 8, low 1, high 4, original context 8192
    RopeConfig c =
        new RopeConfig(
            128, 128, 500000, RopeConfig.Layout.ROTATE_HALF, new RopeConfig.Llama3(8, 1, 4, 8192));
    float[] inv = c.inverseFrequencies();
    assertEquals(64, inv.length);
    for (int i = 0; i < 64; i++) {
      double base = 1 / Math.pow(500000, 2.0 * i / 128);
      double wavelen = 2 * Math.PI / base;
      double expected;
      if (wavelen < 8192 / 4.0) {
        expected = base; // high frequency: unchanged
      } else if (wavelen > 8192 / 1.0) {
        expected = base / 8; // low frequency: divided by the factor
      } else {
        double smooth = (8192 / wavelen - 1) / (4 - 1);
        expected = (1 - smooth) * base / 8 + smooth * base;
      }
      assertEquals(expected, inv[i], expected * 1e-6, "frequency " + i);
    }
    assertEquals(1.0f, inv[0]);
  }

  @Test
  void partialRotaryUsesTheRotaryDimInTheExponent() {
    RopeConfig c =
        new RopeConfig(80, 32, 10000, RopeConfig.Layout.ROTATE_HALF, new RopeConfig.NoScaling());
    float[] inv = c.inverseFrequencies();
    assertEquals(16, inv.length);
    assertEquals(1 / Math.pow(10000, 30.0 / 32), inv[15], 1e-6 * inv[15]);
  }
}
