package dev.kernelj.llm.server;

import java.nio.ByteBuffer;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The part of an event stream that a {@link DeltaPump} thread writes: events queued by {@link #add}
 * go out in non-blocking writes, one in flight at a time, and what is queued meanwhile goes out
 * together in the next. The pump thread never waits for a slow client; {@code onIdle} runs when the
 * last write completes or a write fails. Two buffers take turns (one being written, one filling),
 * so a stream allocates nothing per event once they have grown.
 */
final class EventWriter implements Callback {
  /** A buffer that grew past this for a stalled client is dropped once written. */
  private static final int KEEP_BYTES = 64 << 10;

  private final Response response;
  private final Runnable onIdle;
  private ByteSink pending = new ByteSink(512); // guarded by this: the events being queued
  private ByteSink other = new ByteSink(512); // guarded by this: being written, or spare
  private boolean writing; // guarded by this
  private volatile Throwable failure;
  private volatile long written; // writes completed

  EventWriter(Response response, Runnable onIdle) {
    this.response = response;
    this.onIdle = onIdle;
  }

  /** Queues {@code data: <json>} and a blank line, {@code json} being {@code bytes[0, length)}. */
  synchronized void add(byte[] bytes, int length) {
    add(bytes, 0, length);
  }

  /** Queues the event of {@code bytes[from, from + length)}. */
  synchronized void add(byte[] bytes, int from, int length) {
    Exchange.frame(pending, bytes, from, length);
  }

  /** Starts writing what is queued unless a write is in flight (which then takes it along). */
  void flush() {
    ByteBuffer next;
    synchronized (this) {
      if (writing || failure != null || pending.size() == 0) {
        return;
      }
      writing = true;
      next = swap();
    }
    response.write(false, next, this);
  }

  /** Hands the queued events to the write; the other buffer, empty, takes the next ones. */
  private ByteBuffer swap() {
    ByteSink full = pending;
    pending = other;
    other = full;
    return full.view();
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

  /** How many writes have completed: while this grows, the client is reading. */
  long written() {
    return written;
  }

  @Override
  public void succeeded() {
    ByteBuffer next = null;
    synchronized (this) {
      written++;
      other = other.size() > KEEP_BYTES ? new ByteSink(512) : other;
      other.reset();
      if (pending.size() > 0) {
        next = swap();
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
