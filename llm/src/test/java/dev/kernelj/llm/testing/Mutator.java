package dev.kernelj.llm.testing;

import java.util.Arrays;
import java.util.Random;

/**
 * Cheap mutations of valid inputs for fuzzing: bit flips, byte overwrites, truncations, splices,
 * duplications and insertions of bytes that matter to JSON. Deterministic for a given {@link
 * Random}.
 */
public final class Mutator {
  private static final byte[] INTERESTING =
      "{}[]\":,-0123456789eE.+ \\nulltruefalse\u0000\u00ff"
          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

  private Mutator() {}

  /** Applies 1 to 4 random mutations to a copy of {@code input}. */
  public static byte[] mutate(byte[] input, Random random) {
    byte[] bytes = input.clone();
    int count = 1 + random.nextInt(4);
    for (int i = 0; i < count; i++) {
      bytes = mutateOnce(bytes, random);
    }
    return bytes;
  }

  private static byte[] mutateOnce(byte[] b, Random r) {
    if (b.length == 0) {
      return new byte[] {(byte) r.nextInt(256)};
    }
    int at = r.nextInt(b.length);
    switch (r.nextInt(8)) {
      case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
      case 1 -> b[at] = (byte) r.nextInt(256);
      case 2 -> b[at] = INTERESTING[r.nextInt(INTERESTING.length)];
      case 3 -> {
        return Arrays.copyOf(b, at);
      }
      case 4 -> {
        // Delete a run.
        int length = Math.min(b.length - at, 1 + r.nextInt(16));
        byte[] out = new byte[b.length - length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + length, out, at, b.length - at - length);
        return out;
      }
      case 5 -> {
        // Duplicate a run (splice the input into itself).
        int from = r.nextInt(b.length);
        int length = Math.min(b.length - from, 1 + r.nextInt(32));
        byte[] out = new byte[b.length + length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, from, out, at, length);
        System.arraycopy(b, at, out, at + length, b.length - at);
        return out;
      }
      case 6 -> {
        // Insert interesting bytes.
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, at);
        out[at] = INTERESTING[r.nextInt(INTERESTING.length)];
        System.arraycopy(b, at, out, at + 1, b.length - at);
        return out;
      }
      default -> {
        // Swap two bytes.
        int other = r.nextInt(b.length);
        byte t = b[at];
        b[at] = b[other];
        b[other] = t;
      }
    }
    return b;
  }
}
