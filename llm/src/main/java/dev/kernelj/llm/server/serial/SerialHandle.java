package dev.kernelj.llm.server.serial;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A request queued on a {@link SerialServingEngine}: its deltas, its result, its cancel flag. */
final class SerialHandle implements RequestHandle {
  private final String id;
  private final ServeRequest request;
  private final long arrivalNanos;
  private final LinkedBlockingQueue<Delta> deltas = new LinkedBlockingQueue<>();
  private final CompletableFuture<Completion> completion = new CompletableFuture<>();
  private volatile boolean cancelled;
  private volatile boolean lastDeltaTaken;

  SerialHandle(String id, ServeRequest request) {
    this.id = id;
    this.request = request;
    this.arrivalNanos = System.nanoTime();
  }

  @Override
  public String id() {
    return id;
  }

  ServeRequest request() {
    return request;
  }

  long arrivalNanos() {
    return arrivalNanos;
  }

  @Override
  public Delta poll(long timeout, TimeUnit unit) throws InterruptedException {
    if (lastDeltaTaken) {
      return null;
    }
    Delta d = deltas.poll(timeout, unit);
    if (d != null && d.finishReason() != null) {
      lastDeltaTaken = true;
    }
    return d;
  }

  @Override
  public CompletableFuture<Completion> completion() {
    return completion;
  }

  @Override
  public void cancel() {
    cancelled = true;
  }

  boolean cancelled() {
    return cancelled;
  }

  void emit(Delta delta) {
    deltas.add(delta);
  }

  /** Ends the request: its last delta first, so a reader of deltas never waits past the result. */
  void finish(Delta last, Completion result) {
    deltas.add(last);
    completion.complete(result);
  }

  void fail(Throwable failure) {
    completion.completeExceptionally(failure);
  }
}
