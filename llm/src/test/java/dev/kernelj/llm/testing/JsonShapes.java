package dev.kernelj.llm.testing;

import java.util.Random;

/**
 * Generates JSON values by shape rather than content, for fuzzing readers' limits: nesting depth
 * (arrays and objects, up to thousands of levels), width (many members), and size (long strings,
 * long numbers). The values are valid JSON; what they test is whether a reader bounds them.
 */
public final class JsonShapes {
  private JsonShapes() {}

  /**
   * A value of about {@code depth} levels, {@code width} members per level, strings of {@code
   * chars}.
   */
  public static String value(Random random, int depth, int width, int chars) {
    StringBuilder out = new StringBuilder();
    append(out, random, depth, width, chars);
    return out.toString();
  }

  /** One of the shapes that stress a reader, its parameters drawn from {@code random}. */
  public static String extreme(Random random) {
    return switch (random.nextInt(6)) {
      case 0 -> value(random, 50 + random.nextInt(5000), 1, 1);
      case 1 -> value(random, 60 + random.nextInt(10), 1 + random.nextInt(2), 3);
      case 2 -> value(random, 1, 1000 + random.nextInt(20_000), 2);
      case 3 -> value(random, 0, 0, 1000 + random.nextInt(1_200_000));
      case 4 -> "1" + "0".repeat(random.nextInt(2000)) + (random.nextBoolean() ? "" : "e99999");
      default -> value(random, random.nextInt(8), random.nextInt(8), random.nextInt(64));
    };
  }

  private static void append(StringBuilder out, Random random, int depth, int width, int chars) {
    if (depth <= 0) {
      switch (random.nextInt(4)) {
        case 0 -> out.append('"').append("x".repeat(chars)).append('"');
        case 1 -> out.append(random.nextInt(1 << 20) - 1000);
        case 2 -> out.append(random.nextBoolean());
        default -> out.append("null");
      }
      return;
    }
    boolean object = random.nextBoolean();
    out.append(object ? '{' : '[');
    for (int i = 0; i < Math.max(1, width); i++) {
      if (i > 0) {
        out.append(',');
      }
      if (object) {
        out.append("\"k").append(i).append("\":");
      }
      // Only the first member goes deep: width and depth multiply otherwise.
      append(out, random, i == 0 ? depth - 1 : 0, width, chars);
    }
    out.append(object ? '}' : ']');
  }
}
