package dev.kernelj.llm.util;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting on work that runs on another thread during a load. */
public final class Futures {
  private Futures() {}

  /**
   * The result of {@code pending}, waiting for it; its failure rethrown as it was thrown on the
   * other thread (a {@link ModelFormatException} stays one, so the CLI reports it as bad input).
   */
  public static <T> T join(CompletableFuture<T> pending) {
    try {
      return pending.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }
}
