package dev.kernelj.ops.cuda;

import dev.kernelj.ops.OpArgumentException;
import java.util.List;

/**
 * The {@code -Dkernelj...} switches that tune a CUDA op for a measurement. A value a switch does
 * not know is bad input, reported when the ops are made and naming the property; it never silently
 * means the default (a misspelt switch in an A/B run would otherwise measure the default twice).
 */
final class TuningProperty {
  private TuningProperty() {}

  /** The property's value, one of {@code allowed}; {@code unset} when it is not set. */
  static String choice(String op, String property, List<String> allowed, String unset) {
    String value = System.getProperty(property);
    if (value == null) {
      return unset;
    }
    if (!allowed.contains(value)) {
      throw new OpArgumentException(
          op,
          "-D" + property,
          "must be " + String.join(", ", allowed) + " or unset, not \"" + value + "\"");
    }
    return value;
  }

  /** The property's value, a positive whole number; {@code unset} when it is not set. */
  static long positive(String op, String property, long unset) {
    return positiveUpTo(op, property, unset, Long.MAX_VALUE);
  }

  /** {@link #positive} for a value that must fit an int. */
  static int positiveInt(String op, String property, int unset) {
    return (int) positiveUpTo(op, property, unset, Integer.MAX_VALUE);
  }

  private static long positiveUpTo(String op, String property, long unset, long max) {
    String value = System.getProperty(property);
    if (value == null) {
      return unset;
    }
    try {
      long parsed = Long.parseLong(value.strip());
      if (parsed > 0 && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below, as a value out of range is
    }
    throw new OpArgumentException(
        op, "-D" + property, "must be a whole number from 1 to " + max + ", not \"" + value + "\"");
  }
}
