package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The choices of one HTTP request (prompts x n) in flight on the engine. {@link #start} hands them
 * to a {@link DeltaPump} thread, which reads every choice's deltas as they come ({@link #pump})
 * and, when streaming, queues their chunks on the response's {@link EventWriter}; the pump's watch
 * thread looks now and then whether the client is still there ({@link #watch}). No thread waits for
 * the run meanwhile: once every choice has finished and its chunks are written (or the client left,
 * or something failed) the run calls its {@code onSettled} once, and {@link #finish} then gives the
 * completions in choice order, or throws what ended the run. Closing it cancels whatever has not
 * finished, so a client that leaves, a write that fails or an error in between frees the engine's
 * work at once.
 */
final class ChoiceRun implements AutoCloseable {
  /** Whether the run waits on its pump thread's queue (set and cleared by {@link DeltaPump}). */
  final AtomicBoolean queued = new AtomicBoolean();

  private final List<RequestHandle> handles = new ArrayList<>();
  private final boolean[] finished;
  private final long[] lastDelta;
  private int live;
  // Set by run() before the pump starts; then read and written by the pump under this lock.
  private ChoiceFormat format; // null when the response is not streamed
  private EventWriter out; // null when the response is not streamed
  private ServerMetrics metrics;
  private Runnable onSettled;
  private boolean fired; // onSettled has run
  private int failedChoice = -1;
  private Throwable pumpFailure;
  private boolean settled; // nothing more to read or write: finish() takes over
  private boolean closed;
  private Exchange exchange;
  private DeltaPump pump;
  private volatile boolean clientGone; // the watch thread saw the client leave
  private long writtenAtLastLook = -1; // the watch thread's

  private ChoiceRun(int count) {
    this.finished = new boolean[count];
    this.lastDelta = new long[count];
    this.live = count;
  }

  /** Submits every request; when one is rejected, cancels those already submitted and rethrows. */
  static ChoiceRun submit(ServingEngine engine, List<ServeRequest> requests) {
    ChoiceRun run = new ChoiceRun(requests.size());
    try {
      for (ServeRequest r : requests) {
        run.handles.add(engine.submit(r));
      }
      return run;
    } catch (RuntimeException e) {
      run.close();
      throw e;
    }
  }

  /**
   * Starts driving every choice to its end and returns; see the class comment.
   *
   * @param stream where {@code format}'s delta chunks go; null to send nothing until the end
   * @param onSettled runs once, on a pump thread, the watch thread or the thread that completed the
   *     last write, when the run is over: then {@link #finish}. It must not block.
   */
  void start(
      Exchange exchange,
      ChoiceFormat stream,
      ServerMetrics metrics,
      DeltaPump pump,
      Runnable onSettled) {
    synchronized (this) {
      this.exchange = exchange;
      this.format = stream;
      this.out = stream == null ? null : exchange.eventWriter(this::settle);
      this.metrics = metrics;
      this.pump = pump;
      this.onSettled = onSettled;
    }
    pump.register(this, handles);
  }

  /**
   * The completions in choice order, once {@code onSettled} has run; throws {@link
   * ClientGoneException} when the client left or a write failed, the engine's failure of a choice,
   * or a 503 when the server aborted the request on its way down.
   */
  List<Completion> finish() throws InterruptedException {
    synchronized (this) {
      if (!fired) {
        throw new IllegalStateException("the run has not settled");
      }
    }
    if (clientGone) {
      throw new ClientGoneException(null);
    }
    if (out != null && out.failure() != null) {
      throw new ClientGoneException(out.failure());
    }
    if (pumpFailure instanceof RuntimeException e) {
      throw e;
    }
    if (pumpFailure instanceof Error e) {
      throw e;
    }
    if (pumpFailure != null) {
      throw new CompletionException(pumpFailure);
    }
    if (failedChoice >= 0) {
      result(handles.get(failedChoice)); // throws the engine's failure
    }
    List<Completion> completions = new ArrayList<>();
    for (RequestHandle h : handles) {
      Completion c = result(h);
      if (c.finishReason() == FinishReason.CANCELLED) {
        throw ApiException.unavailable(
            "shutting_down", 5, "the request was aborted: the server is shutting down");
      }
      metrics.finished(c);
      completions.add(c);
    }
    return completions;
  }

  /**
   * Reads every choice's new deltas, queues their chunks (made with the pump thread's {@code
   * encoder}) and starts writing them (a pump thread, after the engine announced deltas); never
   * throws: a failure settles the run for the handler.
   */
  synchronized void pump(EventEncoder encoder) {
    if (settled || closed) {
      return;
    }
    try {
      for (int i = 0; i < handles.size() && failedChoice < 0; i++) {
        if (!finished[i]) {
          read(i, encoder);
        }
      }
      if (out != null) {
        out.flush();
      }
    } catch (Throwable t) {
      pumpFailure = t; // the handler rethrows it: an error response as if it had thrown itself
    }
    settle();
  }

  private void read(int i, EventEncoder encoder) throws InterruptedException, IOException {
    RequestHandle h = handles.get(i);
    for (Delta d = h.poll(0, TimeUnit.NANOSECONDS); d != null; ) {
      if (d.tokenIds().length > 0) {
        if (lastDelta[i] != 0) {
          metrics.interTokenLatency(d.nanoTime() - lastDelta[i]);
        }
        lastDelta[i] = d.nanoTime();
      }
      // an aborted choice ends in an error, not a finish reason
      if (format != null && d.finishReason() != FinishReason.CANCELLED) {
        encoder.encode(format, i, d, out);
      }
      if (d.finishReason() != null) {
        finished[i] = true;
        live--;
        return;
      }
      d = h.poll(0, TimeUnit.NANOSECONDS);
    }
    if (h.completion().isCompletedExceptionally()) {
      failedChoice = i; // its deltas before the failure are read
    }
  }

  /**
   * Ends the run for {@link #finish} once nothing more will be read or written: every choice
   * finished (or one failed, or the pump failed) and the chunks are written, or a write failed.
   */
  private synchronized void settle() {
    if (settled || closed) {
      return;
    }
    boolean done = (live == 0 || failedChoice >= 0) && (out == null || out.idle());
    boolean failed = pumpFailure != null && (out == null || !out.writing());
    if (done || failed || out != null && out.failure() != null) {
      settled = true;
      fire();
    }
  }

  /** Runs {@code onSettled}, the first time only. */
  private synchronized void fire() {
    if (!fired) {
      fired = true;
      onSettled.run();
    }
  }

  /**
   * Looks whether the client has left (the pump's watch thread, every {@link
   * DeltaPump#WATCH_MILLIS}); a stream whose writes go through needs no look at its socket: when
   * its client leaves, a write fails.
   */
  void watch() {
    synchronized (this) {
      if (settled || closed) {
        return;
      }
    }
    long written = out == null ? -1 : out.written();
    if ((out == null || written == writtenAtLastLook) && exchange.clientGone()) {
      clientGone = true;
      fire();
    }
    writtenAtLastLook = written;
  }

  private static Completion result(RequestHandle h) throws InterruptedException {
    try {
      return h.completion().get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true; // a pump thread still holding the run finishes first, and then leaves it
    }
    if (pump != null) {
      pump.unregister(this);
    }
    for (int i = 0; i < handles.size(); i++) {
      if (!finished[i]) {
        handles.get(i).cancel();
      }
    }
  }
}
