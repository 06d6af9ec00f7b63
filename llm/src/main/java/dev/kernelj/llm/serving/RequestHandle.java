package dev.kernelj.llm.serving;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One submitted request: its streamed output, its result, and a way to cancel it. */
public interface RequestHandle {
  /** The request's id (the caller's, or one the engine made). */
  String id();

  /**
   * The next piece of output, waiting up to {@code timeout}; null when none came in time. The last
   * delta has a non-null {@link Delta#finishReason()}; after it this returns null at once. A
   * request that failed has no last delta: once the deltas made before the failure are taken, this
   * returns null at once and {@link #completion()} holds the error.
   */
  Delta poll(long timeout, TimeUnit unit) throws InterruptedException;

  /**
   * Completes with the whole output when the request finishes (also when cancelled, with {@link
   * FinishReason#CANCELLED}); completes exceptionally with an {@link
   * dev.kernelj.llm.engine.EngineException} when the request failed (e.g. non-finite logits).
   */
  CompletableFuture<Completion> completion();

  /**
   * Runs {@code listener} each time deltas are queued for this request and when it ends, instead of
   * waking a thread blocked in {@link #poll}: for a consumer that reads many requests from a few
   * threads (and then polls with a zero timeout). The listener runs on an engine thread, so it must
   * be quick and must not block: it hands the reading to another thread. When deltas are queued or
   * the request has ended already, it runs once at once too. Set it once, before reading.
   */
  void onDeltas(Runnable listener);

  /**
   * Cancels the request: it stops within one scheduler step and its KV blocks go back to the pool.
   * Idempotent; a finished request is left as it is.
   */
  void cancel();
}
