package dev.kernelj.llm.engine;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a loader's stages have made so far ({@link EngineLoader}, {@link ServingLoader}): when a
 * later stage fails, everything is closed newest first, so nothing a failed open made stays behind.
 */
final class LoadedParts {
  private final Deque<AutoCloseable> made = new ArrayDeque<>();

  /** Remembers {@code part} so that a later failure closes it. */
  <T extends AutoCloseable> T keep(T part) {
    made.push(part);
    return part;
  }

  /** Closes what the stages made, newest first; failures join {@code cause} as suppressed. */
  void closeAll(Throwable cause) {
    while (!made.isEmpty()) {
      try {
        made.pop().close();
      } catch (Exception | Error e) {
        cause.addSuppressed(e);
      }
    }
  }
}
