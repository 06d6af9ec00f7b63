package dev.kernelj.llm.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive connection of {@link SseLoadClient} and the parser of the response in flight on
 * it: the status line and headers, a chunked (or sized) body, and in the body the server-sent
 * events, classified as {@code serve_bench.py} does: {@code [DONE]}, an error, the usage chunk
 * ({@code "choices":[]}, its {@code completion_tokens} kept) or a token chunk.
 */
final class SseResponse {
  private enum State {
    HEAD,
    CHUNK_SIZE,
    CHUNK_DATA,
    CHUNK_END,
    TRAILERS,
    SIZED,
    DONE
  }

  final SocketChannel channel;
  SelectionKey key;
  ByteBuffer out;
  SseLoadClient.Call call;
  private State state;
  private final Bytes line = new Bytes();
  private final Bytes events = new Bytes();
  private long left; // bytes left in this chunk, or of a sized body
  private int status;
  private boolean keepAlive;

  SseResponse(SocketChannel channel) {
    this.channel = channel;
  }

  void begin(SseLoadClient.Call c) {
    call = c;
    out = ByteBuffer.wrap(c.request);
    state = State.HEAD;
    line.reset();
    events.reset();
    status = 0;
    keepAlive = true;
  }

  boolean finished() {
    return state == State.DONE;
  }

  boolean reusable() {
    return keepAlive && status == 200;
  }

  /** Takes {@code n} bytes read at {@code now}; returns how many token events they completed. */
  int feed(byte[] b, int n, long now) {
    int tokens = 0;
    int i = 0;
    while (i < n && state != State.DONE) {
      switch (state) {
        case HEAD -> {
          line.write(b[i++]);
          if (endsWith(line, "\r\n\r\n")) {
            head(line.toString(StandardCharsets.ISO_8859_1));
            line.reset();
          }
        }
        case CHUNK_SIZE -> {
          line.write(b[i++]);
          if (endsWith(line, "\r\n")) {
            String size = line.toString(StandardCharsets.US_ASCII).strip();
            int semi = size.indexOf(';');
            left = Long.parseLong(semi < 0 ? size : size.substring(0, semi), 16);
            line.reset();
            state = left == 0 ? State.TRAILERS : State.CHUNK_DATA;
          }
        }
        case CHUNK_DATA, SIZED -> {
          int take = (int) Math.min(left, n - i);
          events.write(b, i, take);
          i += take;
          left -= take;
          tokens += events(now);
          if (left == 0) {
            state = state == State.SIZED ? State.DONE : State.CHUNK_END;
          }
        }
        case TRAILERS -> { // header lines, then an empty line (Jetty sends none)
          line.write(b[i++]);
          if (endsWith(line, "\r\n")) {
            state = line.size() == 2 ? State.DONE : State.TRAILERS;
            line.reset();
          }
        }
        case CHUNK_END -> {
          line.write(b[i++]);
          if (endsWith(line, "\r\n")) {
            line.reset();
            state = State.CHUNK_SIZE;
          }
        }
        default -> throw new IllegalStateException(state.toString());
      }
    }
    if (state == State.DONE && status != 200) {
      call.error = "HTTP " + status + ": " + events.toString(StandardCharsets.UTF_8);
    }
    return tokens;
  }

  private void head(String head) {
    String[] lines = head.split("\r\n");
    status = Integer.parseInt(lines[0].split(" ")[1]);
    boolean chunked = false;
    left = 0;
    for (String h : lines) {
      String lower = h.toLowerCase(Locale.ROOT);
      if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      } else if (lower.startsWith("content-length:")) {
        left = Long.parseLong(lower.substring(15).strip());
      } else if (lower.startsWith("connection:") && lower.contains("close")) {
        keepAlive = false;
      }
    }
    state = chunked ? State.CHUNK_SIZE : left > 0 ? State.SIZED : State.DONE;
  }

  /**
   * Classifies the complete events buffered so far (200 only), in place: a client that made strings
   * of every event would load the garbage collector the server shares in this JVM. Returns the
   * token events.
   */
  private int events(long now) {
    if (status != 200) {
      return 0;
    }
    byte[] buf = events.buffer();
    int size = events.size();
    int tokens = 0;
    int from = 0;
    for (int cut = indexOf(buf, size, from); cut >= 0; cut = indexOf(buf, size, from)) {
      int start = from;
      from = cut + 2;
      while (start < cut && (buf[start] == '\r' || buf[start] == '\n')) {
        start++; // the blank line before an event
      }
      if (!startsWith(buf, start, cut, DATA)) {
        continue;
      }
      start += DATA.length;
      if (startsWith(buf, start, cut, DONE)) {
        call.endNanos = now;
      } else if (startsWith(buf, start, cut, ERROR)) {
        call.error = new String(buf, start, cut - start, StandardCharsets.UTF_8);
      } else if (find(buf, start, cut, NO_CHOICES) < 0) {
        tokens++;
      } else {
        int at = find(buf, start, cut, COMPLETION_TOKENS);
        if (at >= 0) {
          int value = 0;
          for (int i = at + COMPLETION_TOKENS.length; i < cut && Character.isDigit(buf[i]); i++) {
            value = value * 10 + (buf[i] - '0');
          }
          call.usageTokens = value;
        }
      }
    }
    events.keepFrom(from);
    return tokens;
  }

  private static final byte[] DATA = ascii("data: ");
  private static final byte[] DONE = ascii("[DONE]");
  private static final byte[] ERROR = ascii("{\"error\"");
  private static final byte[] NO_CHOICES = ascii("\"choices\":[]");
  private static final byte[] COMPLETION_TOKENS = ascii("\"completion_tokens\":");

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static boolean startsWith(byte[] buf, int from, int end, byte[] prefix) {
    if (end - from < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (buf[from + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int find(byte[] buf, int from, int end, byte[] what) {
    for (int i = from; i + what.length <= end; i++) {
      if (startsWith(buf, i, end, what)) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(byte[] buf, int size, int from) {
    for (int i = from; i + 1 < size; i++) {
      if (buf[i] == '\n' && buf[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** A byte buffer whose contents are read in place. */
  private static final class Bytes extends ByteArrayOutputStream {
    byte[] buffer() {
      return buf;
    }

    /** Drops the bytes before {@code from}. */
    void keepFrom(int from) {
      System.arraycopy(buf, from, buf, 0, count - from);
      count -= from;
    }
  }

  private static boolean endsWith(Bytes out, String tail) {
    int size = out.size();
    if (size < tail.length()) {
      return false;
    }
    byte[] b = out.buffer();
    for (int i = 0; i < tail.length(); i++) {
      if (b[size - tail.length() + i] != tail.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
