package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.RequestHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The caller's side of a submitted request: deltas queued by the scheduler thread, read by any one
 * consumer; the completion future; cancellation passed back to the engine.
 */
final class ServingHandle implements RequestHandle {
  private final String id;
  private final LinkedBlockingQueue<Delta> deltas = new LinkedBlockingQueue<>();
  private final CompletableFuture<Completion> completion = new CompletableFuture<>();
  private final Runnable canceller;
  private volatile boolean ended; // the last delta was queued, or the request failed
  private boolean drained; // the consumer has taken the last delta

  ServingHandle(String id, Runnable canceller) {
    this.id = id;
    this.canceller = canceller;
  }

  @Override
  public String id() {
    return id;
  }

  /**
   * {@inheritDoc}
   *
   * <p>When the request failed, the deltas made before the failure come first, then null at once;
   * {@link #completion()} holds the error.
   */
  @Override
  public Delta poll(long timeout, TimeUnit unit) throws InterruptedException {
    if (drained) {
      return null;
    }
    Delta d = ended ? deltas.poll() : deltas.poll(timeout, unit);
    if (d == null && ended) {
      d = deltas.poll(); // the last delta may have come between the two reads
    }
    if (d == null) {
      drained = ended && completion.isCompletedExceptionally();
      return null;
    }
    if (d.finishReason() != null) {
      drained = true;
    }
    return d;
  }

  @Override
  public CompletableFuture<Completion> completion() {
    return completion;
  }

  @Override
  public void cancel() {
    if (!ended) {
      canceller.run();
    }
  }

  // ---------------------------------------------------------------- scheduler side

  void push(Delta d) {
    deltas.add(d);
  }

  void finish(Delta last, Completion result) {
    deltas.add(last);
    ended = true;
    completion.complete(result);
  }

  void fail(RuntimeException error) {
    ended = true;
    completion.completeExceptionally(error);
  }

  boolean ended() {
    return ended;
  }
}
