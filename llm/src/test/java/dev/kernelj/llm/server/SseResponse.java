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
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final ByteArrayOutputStream events = new ByteArrayOutputStream();
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

  /** Classifies the complete events buffered so far (200 only); returns the token events. */
  private int events(long now) {
    if (status != 200) {
      return 0;
    }
    byte[] buf = events.toByteArray();
    int tokens = 0;
    int from = 0;
    for (int cut = indexOf(buf, from); cut >= 0; cut = indexOf(buf, from)) {
      String event = new String(buf, from, cut - from, StandardCharsets.UTF_8).strip();
      from = cut + 2;
      if (!event.startsWith("data: ")) {
        continue;
      }
      event = event.substring(6);
      if (event.equals("[DONE]")) {
        call.endNanos = now;
      } else if (event.startsWith("{\"error\"")) {
        call.error = event;
      } else if (!event.contains("\"choices\":[]")) {
        tokens++;
      } else if (event.contains("\"usage\"")) {
        int at = event.indexOf("\"completion_tokens\":") + 20;
        int end = at;
        while (end < event.length() && Character.isDigit(event.charAt(end))) {
          end++;
        }
        call.usageTokens = Integer.parseInt(event.substring(at, end));
      }
    }
    events.reset();
    events.write(buf, from, buf.length - from);
    return tokens;
  }

  private static int indexOf(byte[] buf, int from) {
    for (int i = from; i + 1 < buf.length; i++) {
      if (buf[i] == '\n' && buf[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static boolean endsWith(ByteArrayOutputStream out, String tail) {
    if (out.size() < tail.length()) {
      return false;
    }
    byte[] b = out.toByteArray(); // header lines are short
    for (int i = 0; i < tail.length(); i++) {
      if (b[b.length - tail.length() + i] != tail.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
