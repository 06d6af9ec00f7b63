package dev.kernelj.llm.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The part of an event stream that a {@link DeltaPump} thread writes: events queued by {@link #add}
 * go out in non-blocking writes, one in flight at a time, and what is queued meanwhile goes out
 * together in the next. The pump thread never waits for a slow client; {@code onIdle} runs when the
 * last write completes or a write fails.
 */
final class EventWriter implements Callback {
  private final Response response;
  private final Runnable onIdle;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream(512); // guarded by this
  private boolean writing; // guarded by this
  private volatile Throwable failure;

  EventWriter(Response response, Runnable onIdle) {
    this.response = response;
    this.onIdle = onIdle;
  }

  /** Queues {@code data: <json>} and a blank line. */
  synchronized void add(byte[] json) {
    Exchange.frame(pending, json);
  }

  /** Starts writing what is queued unless a write is in flight (which then takes it along). */
  void flush() {
    ByteBuffer next;
    synchronized (this) {
      if (writing || failure != null || pending.size() == 0) {
        return;
      }
      writing = true;
      next = take();
    }
    response.write(false, next, this);
  }

  /** Whether nothing is queued and no write is in flight. */
  synchronized boolean idle() {
    return !writing && pending.size() == 0;
  }

  /** Whether a write is in flight. */
  synchronized boolean writing() {
    return writing;
  }

  /** Why a write failed (the client left), or null. */
  Throwable failure() {
    return failure;
  }

  private ByteBuffer take() {
    ByteBuffer b = ByteBuffer.wrap(pending.toByteArray());
    pending.reset();
    return b;
  }

  @Override
  public void succeeded() {
    ByteBuffer next = null;
    synchronized (this) {
      if (pending.size() > 0) {
        next = take();
      } else {
        writing = false;
      }
    }
    if (next != null) {
      response.write(false, next, this);
    } else {
      onIdle.run();
    }
  }

  @Override
  public void failed(Throwable x) {
    synchronized (this) {
      failure = x;
      writing = false;
      pending.reset();
    }
    onIdle.run();
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING; // Jetty may complete it on its selector thread
  }
}
