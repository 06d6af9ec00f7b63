package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.RequestHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The caller's side of a submitted request: deltas queued by the scheduler thread, read by any one
 * consumer; the completion future; cancellation passed back to the engine.
 *
 * <p>Queuing a delta does not wake the reader: the scheduler thread queues a whole step's deltas
 * (the last delta of a request that ends in the step included) and {@link DeltaWakeups} wakes their
 * readers from another thread ({@link #wake}). A request that ends outside a step (cancelled,
 * failed) wakes its reader at once. A reader is a thread blocked in {@link #poll}, or the {@link
 * #onDeltas} listener.
 */
final class ServingHandle implements RequestHandle {
  private final String id;
  private final ConcurrentLinkedQueue<Delta> deltas = new ConcurrentLinkedQueue<>();
  private final CompletableFuture<Completion> completion = new CompletableFuture<>();
  private final Runnable canceller;
  private volatile boolean ended; // the last delta was queued, or the request failed
  private boolean drained; // the consumer has taken the last delta
  private volatile Thread reader; // the consumer while it waits in poll
  private volatile Runnable listener; // woken instead of a reader when set

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
    Delta d = deltas.poll();
    if (d == null && !ended) {
      d = await(unit.toNanos(timeout));
    }
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

  /** The next delta within {@code nanos}, or null; returns early once the request has ended. */
  private Delta await(long nanos) throws InterruptedException {
    if (nanos <= 0) {
      return null;
    }
    long deadline = System.nanoTime() + nanos;
    reader = Thread.currentThread();
    try {
      while (true) {
        // Looked at after publishing the reader: a delta queued before a wake() that saw no
        // reader is found here.
        Delta d = deltas.poll();
        if (d != null || ended) {
          return d;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        LockSupport.parkNanos(this, left);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    } finally {
      reader = null;
    }
  }

  @Override
  public CompletableFuture<Completion> completion() {
    return completion;
  }

  @Override
  public void onDeltas(Runnable l) {
    listener = java.util.Objects.requireNonNull(l, "listener");
    // Looked at after publishing the listener: a delta queued before a wake() that saw none is
    // announced here.
    if (!deltas.isEmpty() || ended) {
      l.run();
    }
  }

  @Override
  public void cancel() {
    if (!ended) {
      canceller.run();
    }
  }

  // ---------------------------------------------------------------- scheduler side

  /** Queues {@code d} without waking the reader: {@link #wake} does, from another thread. */
  void push(Delta d) {
    deltas.add(d);
  }

  /** Runs the listener, or unparks the reader if it waits (any thread). */
  void wake() {
    Runnable l = listener;
    if (l != null) {
      l.run();
      return;
    }
    Thread t = reader;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** Queues the last delta, completes, and wakes the reader at once. */
  void finish(Delta last, Completion result) {
    finishInStep(last, result);
    wake();
  }

  /**
   * Queues the last delta and completes without waking the reader: the scheduler thread hands this
   * handle to {@link DeltaWakeups} with the step's others.
   */
  void finishInStep(Delta last, Completion result) {
    deltas.add(last);
    ended = true;
    completion.complete(result);
  }

  void fail(RuntimeException error) {
    ended = true;
    completion.completeExceptionally(error);
    wake();
  }

  boolean ended() {
    return ended;
  }
}
