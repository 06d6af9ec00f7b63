package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The access line's times: milliseconds with one decimal, rounded half up, never negative. */
class AccessLogTest {
  private static String millis(long nanos) {
    return AccessLog.millis(new StringBuilder(), nanos).toString();
  }

  @Test
  void millisecondsHaveOneDecimalRoundedHalfUp() {
    assertEquals("0.0", millis(0));
    assertEquals("0.0", millis(49_999));
    assertEquals("0.1", millis(50_000));
    assertEquals("1.0", millis(1_049_999));
    assertEquals("1.1", millis(1_050_000));
    assertEquals("27.4", millis(27_400_000));
    assertEquals("12345.7", millis(12_345_678_901L));
    assertEquals("0.0", millis(-5_000_000), "a clock that went back shows no time");
  }
}
