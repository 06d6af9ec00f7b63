package dev.kernelj.llm.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A lean load client for streaming completions: a few selector threads, each holding many HTTP/1.1
 * keep-alive connections, read whatever arrives and time it, as vLLM's benchmark client does
 * ({@code serve_bench.py}): a read that brings token events is one arrival (the first gives TTFT,
 * later ones an inter-token gap). One thread per stream would make the client wake once per token
 * per request, and on a shared machine the client's own wake-ups would be measured as the server's.
 */
final class SseLoadClient implements AutoCloseable {
  /** What one request saw; times are {@link System#nanoTime()}. */
  static final class Call {
    final byte[] request;
    final CompletableFuture<Call> done = new CompletableFuture<>();
    long sendNanos;
    long writtenNanos; // the last byte of the request handed to the socket
    long firstNanos;
    long lastNanos;
    long endNanos;
    int tokenEvents;
    int usageTokens = -1;
    long[] gaps = new long[64];
    int gapCount;
    String error;

    Call(byte[] request) {
      this.request = request;
    }

    void arrival(long now) {
      if (firstNanos == 0) {
        firstNanos = now;
      } else {
        if (gapCount == gaps.length) {
          gaps = java.util.Arrays.copyOf(gaps, gapCount * 2);
        }
        gaps[gapCount++] = now - lastNanos;
      }
      lastNanos = now;
    }
  }

  private final InetSocketAddress server;
  private final Loop[] loops;
  private int next;

  SseLoadClient(String host, int port, int threads) throws IOException {
    this.server = new InetSocketAddress(host, port);
    this.loops = new Loop[threads];
    for (int i = 0; i < threads; i++) {
      loops[i] = new Loop(i);
    }
  }

  /** An HTTP/1.1 POST of {@code json} to {@code path}, kept alive. */
  static byte[] post(String path, String hostPort, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: "
            + hostPort
            + "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] out = java.util.Arrays.copyOf(h, h.length + body.length);
    System.arraycopy(body, 0, out, h.length, body.length);
    return out;
  }

  /** Sends {@code call} now (its send time is now), from the next selector thread. */
  CompletableFuture<Call> send(Call call) {
    call.sendNanos = System.nanoTime();
    Loop loop = loops[next++ % loops.length];
    loop.incoming.add(call);
    loop.selector.wakeup();
    return call.done;
  }

  @Override
  public void close() throws IOException {
    for (Loop l : loops) {
      l.thread.interrupt();
      l.selector.wakeup();
    }
  }

  /** One selector thread and its connections. */
  private final class Loop {
    final Selector selector;
    final ConcurrentLinkedQueue<Call> incoming = new ConcurrentLinkedQueue<>();
    final ArrayDeque<SseResponse> idle = new ArrayDeque<>();
    final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 18);
    final byte[] bytes = new byte[1 << 18];
    final Thread thread;

    Loop(int index) throws IOException {
      selector = Selector.open();
      thread = new Thread(this::run, "sse-client-" + index);
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          selector.select();
          for (Call c; (c = incoming.poll()) != null; ) {
            start(c);
          }
          Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
          while (keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            handle(key);
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("the client's selector failed", e);
      } finally {
        try {
          selector.close();
        } catch (IOException ignored) {
          // closing on the way out
        }
      }
    }

    private void start(Call c) throws IOException {
      SseResponse conn = idle.poll();
      if (conn == null) {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        conn = new SseResponse(ch);
        boolean connected = ch.connect(server);
        conn.key = ch.register(selector, connected ? 0 : SelectionKey.OP_CONNECT, conn);
        conn.begin(c);
        if (connected) {
          write(conn);
        }
        return;
      }
      conn.begin(c);
      write(conn);
    }

    private void handle(SelectionKey key) {
      SseResponse conn = (SseResponse) key.attachment();
      try {
        if (key.isConnectable()) {
          ((SocketChannel) key.channel()).finishConnect();
          write(conn);
        } else if (key.isWritable()) {
          write(conn);
        } else if (key.isReadable()) {
          read(conn);
        }
      } catch (IOException | RuntimeException e) {
        fail(conn, e.toString());
      }
    }

    private void write(SseResponse conn) throws IOException {
      conn.channel.write(conn.out);
      if (conn.out.hasRemaining()) {
        conn.key.interestOps(SelectionKey.OP_WRITE);
      } else {
        conn.call.writtenNanos = System.nanoTime();
        conn.key.interestOps(SelectionKey.OP_READ);
      }
    }

    private void read(SseResponse conn) throws IOException {
      buffer.clear();
      int n = conn.channel.read(buffer);
      if (n < 0) {
        fail(conn, "the server closed the connection");
        return;
      }
      long now = System.nanoTime();
      buffer.flip();
      buffer.get(bytes, 0, n);
      Call c = conn.call;
      int tokens = conn.feed(bytes, n, now);
      if (tokens > 0) {
        c.tokenEvents += tokens;
        c.arrival(now);
      }
      if (conn.finished()) {
        conn.call = null;
        if (c.error == null && c.endNanos == 0) {
          c.endNanos = now;
        }
        if (conn.reusable()) {
          conn.key.interestOps(0);
          idle.add(conn);
        } else {
          close(conn);
        }
        c.done.complete(c);
      }
    }

    private void fail(SseResponse conn, String why) {
      Call c = conn.call;
      close(conn);
      if (c != null) {
        c.error = c.error != null ? c.error : why;
        c.done.complete(c);
      }
    }

    private void close(SseResponse conn) {
      try {
        conn.key.cancel();
        conn.channel.close();
      } catch (ClosedChannelException ignored) {
        // already closed
      } catch (IOException ignored) {
        // the request is over either way
      }
    }
  }
}
