package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kernelj.ops.OpArgumentException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TuningPropertyTest {
  /** A property no other code reads, so that setting it here changes nothing else. */
  private static final String NAME = "kernelj.test.tuningProperty";

  @AfterEach
  void clear() {
    System.clearProperty(NAME);
  }

  @Test
  void unsetMeansTheDefault() {
    assertEquals("rule", TuningProperty.choice("op", NAME, List.of("false", "always"), "rule"));
    assertEquals(7, TuningProperty.positiveInt("op", NAME, 7));
    assertEquals(1L << 40, TuningProperty.positive("op", NAME, 1L << 40));
  }

  @Test
  void knownValuesAreTaken() {
    System.setProperty(NAME, "always");
    assertEquals("always", TuningProperty.choice("op", NAME, List.of("false", "always"), "rule"));
    System.setProperty(NAME, " 160 ");
    assertEquals(160, TuningProperty.positiveInt("op", NAME, 65));
    System.setProperty(NAME, "4294967296");
    assertEquals(1L << 32, TuningProperty.positive("op", NAME, 1));
  }

  @Test
  void aMisspeltChoiceNamesThePropertyAndTheValues() {
    System.setProperty(NAME, "Always");
    OpArgumentException e =
        assertThrows(
            OpArgumentException.class,
            () -> TuningProperty.choice("quantizedMatmul", NAME, List.of("false", "always"), ""));
    assertEquals(
        "quantizedMatmul: -D" + NAME + " must be false, always or unset, not \"Always\"",
        e.getMessage());
  }

  @Test
  void numbersThatAreNotPositiveOrDoNotFitAreRefused() {
    for (String bad : List.of("", "abc", "0", "-3", "1.5", "2147483648")) {
      System.setProperty(NAME, bad);
      OpArgumentException e =
          assertThrows(
              OpArgumentException.class, () -> TuningProperty.positiveInt("op", NAME, 65), bad);
      assertEquals(
          "op: -D" + NAME + " must be a whole number from 1 to 2147483647, not \"" + bad + "\"",
          e.getMessage());
    }
  }
}
