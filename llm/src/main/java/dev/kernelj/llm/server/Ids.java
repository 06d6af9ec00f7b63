package dev.kernelj.llm.server;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Response ids like OpenAI's: a prefix and 24 random hex digits. */
final class Ids {
  private Ids() {}

  static String next(String prefix) {
    byte[] bytes = new byte[12];
    ThreadLocalRandom.current().nextBytes(bytes);
    return prefix + HexFormat.of().formatHex(bytes);
  }
}
