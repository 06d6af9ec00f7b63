package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The choices of one HTTP request (prompts x n) in flight on the engine. {@link #run} reads every
 * choice's deltas as they come, hands them to a listener (the streaming writer, or nothing), checks
 * now and then that the client is still there, and returns the completions in choice order. Closing
 * it cancels whatever has not finished, so a client that leaves, a write that fails or an error in
 * between frees the engine's work at once.
 */
final class ChoiceRun implements AutoCloseable {
  /** Longest wait on one choice before the client is checked again. */
  private static final long CHECK_MILLIS = 100;

  /** Longest wait on one of several choices before the others are looked at again. */
  private static final long ROTATE_MILLIS = 2;

  /** Receives the deltas of each choice in order. */
  @FunctionalInterface
  interface Listener {
    void onDelta(int choice, Delta delta);
  }

  private final List<RequestHandle> handles = new ArrayList<>();
  private final boolean[] finished;

  private ChoiceRun(int count) {
    this.finished = new boolean[count];
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

  /** Drives every choice to its end; see the class comment. */
  List<Completion> run(Exchange exchange, Listener listener, ServerMetrics metrics)
      throws InterruptedException {
    long[] lastDelta = new long[handles.size()];
    int live = handles.size();
    long nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS);
    while (live > 0) {
      for (int i = 0; i < handles.size(); i++) {
        if (finished[i]) {
          continue;
        }
        RequestHandle h = handles.get(i);
        long wait = live == 1 ? CHECK_MILLIS : i == firstLive() ? ROTATE_MILLIS : 0;
        for (Delta d = h.poll(wait, TimeUnit.MILLISECONDS);
            d != null;
            d = h.poll(0, TimeUnit.MILLISECONDS)) {
          if (d.tokenIds().length > 0) {
            if (lastDelta[i] != 0) {
              metrics.interTokenLatency(d.nanoTime() - lastDelta[i]);
            }
            lastDelta[i] = d.nanoTime();
          }
          if (d.finishReason() != FinishReason.CANCELLED) {
            listener.onDelta(i, d); // an aborted choice ends in an error, not a finish reason
          }
          if (d.finishReason() != null) {
            finished[i] = true;
            live--;
            break;
          }
        }
        if (!finished[i] && h.completion().isCompletedExceptionally()) {
          result(h); // throws the engine's failure
        }
      }
      long now = System.nanoTime();
      if (live > 0 && now >= nextCheck) {
        if (exchange.clientGone()) {
          throw new ClientGoneException(null);
        }
        nextCheck = now + TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS);
      }
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

  private int firstLive() {
    for (int i = 0; i < finished.length; i++) {
      if (!finished[i]) {
        return i;
      }
    }
    return -1;
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
    for (int i = 0; i < handles.size(); i++) {
      if (!finished[i]) {
        handles.get(i).cancel();
      }
    }
  }
}
