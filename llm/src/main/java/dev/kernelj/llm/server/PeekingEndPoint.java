package dev.kernelj.llm.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A socket endpoint that can tell whether its client has gone while a request is being handled.
 *
 * <p>Jetty reads an HTTP/1.1 connection only when it wants the next request or more body, so a
 * client that disconnects while its (non-streaming) completion is being generated goes unnoticed
 * until the response is written. {@link #peerClosed()} reads whatever is waiting on the socket: end
 * of stream means the client is gone; bytes (a pipelined next request) are kept and handed to the
 * connection by the next {@link #fill}, so nothing is lost.
 */
final class PeekingEndPoint extends SocketChannelEndPoint {
  private static final int PEEK_BYTES = 4096;

  private final Executor executor;
  private ByteBuffer stash; // flush mode; bytes read by a peek, not yet given to the connection
  private ByteBuffer peek; // what a peek reads into: mostly nothing, so it is kept

  PeekingEndPoint(
      SocketChannel channel,
      ManagedSelector selector,
      SelectionKey key,
      Scheduler scheduler,
      Executor executor) {
    super(channel, selector, key, scheduler);
    this.executor = executor;
  }

  @Override
  public synchronized int fill(ByteBuffer buffer) throws IOException {
    if (stash != null) {
      int moved = BufferUtil.append(buffer, stash);
      if (!stash.hasRemaining()) {
        stash = null;
      }
      return moved;
    }
    return super.fill(buffer);
  }

  @Override
  protected void needsFillInterest() {
    boolean stashed;
    synchronized (this) {
      stashed = stash != null;
    }
    if (stashed) {
      // The socket has no news for the selector: the bytes are already here.
      executor.execute(() -> getFillInterest().fillable());
    } else {
      super.needsFillInterest();
    }
  }

  /**
   * Whether the client has closed its side (or the connection failed). Reads only when the
   * connection itself is not waiting for bytes.
   */
  synchronized boolean peerClosed() {
    if (!isOpen() || isInputShutdown()) {
      return true;
    }
    if (isFillInterested() || (stash != null && stash.remaining() >= PEEK_BYTES)) {
      return false;
    }
    if (peek == null) {
      peek = ByteBuffer.allocate(PEEK_BYTES);
    }
    peek.clear();
    try {
      int n = getChannel().read(peek);
      if (n < 0) {
        return true;
      }
      if (n > 0) {
        peek.flip();
        stash = stash == null ? ByteBuffer.allocate(n).put(peek).flip() : concat(stash, peek);
      }
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static ByteBuffer concat(ByteBuffer a, ByteBuffer b) {
    ByteBuffer both = ByteBuffer.allocate(a.remaining() + b.remaining());
    both.put(a).put(b).flip();
    return both;
  }
}
