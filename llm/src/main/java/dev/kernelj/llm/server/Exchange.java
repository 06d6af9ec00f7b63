package dev.kernelj.llm.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.serving.Completion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

/**
 * One HTTP request and its response, as the handlers see it: the body read within the size limit,
 * JSON and event-stream responses written blocking (a write to a client that left throws {@link
 * ClientGoneException}), a check for a client that has gone, and what the access log reports.
 */
final class Exchange {
  private static final byte[] SSE_DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SSE_END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SSE_DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final Request request;
  private final Response response;
  private final int maxBodyBytes;
  private final long startNanos = System.nanoTime();
  private int status;
  private boolean committed;
  private boolean deferred;
  private Consumer<Throwable> finisher;
  private final AccessRecord record = new AccessRecord();

  Exchange(Request request, Response response, int maxBodyBytes) {
    this.request = request;
    this.response = response;
    this.maxBodyBytes = maxBodyBytes;
  }

  String method() {
    return request.getMethod();
  }

  /**
   * The decoded path, empty segments folded ({@code //v1/models} from a base URL with a trailing
   * slash is {@code /v1/models}) and a trailing slash dropped.
   */
  String path() {
    String path = Request.getPathInContext(request);
    if (path.contains("//")) {
      path = path.replaceAll("/{2,}", "/");
    }
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  String header(String name) {
    return request.getHeaders().get(name);
  }

  String remote() {
    return Request.getRemoteAddr(request) + ":" + Request.getRemotePort(request);
  }

  long startNanos() {
    return startNanos;
  }

  /** What the access line reports beyond method, path and status. */
  AccessRecord record() {
    return record;
  }

  int status() {
    return status;
  }

  boolean committed() {
    return committed;
  }

  /**
   * What ends the request: its dispatcher's status, access line and completion ({@link #finish}).
   */
  void finisher(Consumer<Throwable> f) {
    this.finisher = f;
  }

  /**
   * Marks the request as going on after its handler returns: the dispatcher then leaves it open,
   * and {@link #finish} ends it later, from any thread. A handler defers as its last step and
   * throws nothing after.
   */
  void defer() {
    deferred = true;
  }

  boolean deferred() {
    return deferred;
  }

  /**
   * Ends a deferred request: the response is complete when {@code failure} is null, else {@code
   * failure} becomes the error response (an error event once a stream has begun), as if the handler
   * had thrown it.
   */
  void finish(Throwable failure) {
    finisher.accept(failure);
  }

  /** The server's threads, for work that may block (writing to a client). */
  Executor executor() {
    return request.getComponents().getExecutor();
  }

  /** The body as a JSON tree; 413 past the size limit, 400 when it is not strict JSON. */
  JsonNode json() throws IOException {
    byte[] body = body();
    if (body.length == 0) {
      throw ApiException.badRequest(null, "the request body is empty; a JSON object is expected");
    }
    return Json.parse(body);
  }

  private byte[] body() throws IOException {
    long declared = request.getLength();
    if (declared > maxBodyBytes) {
      throw tooLarge(declared + " bytes");
    }
    try (InputStream in = Request.asInputStream(request)) {
      // One byte past the declared length finds a body longer than declared (it is not read).
      byte[] bytes = in.readNBytes(declared >= 0 ? (int) declared + 1 : maxBodyBytes + 1);
      if (bytes.length > maxBodyBytes) {
        throw tooLarge("more than " + maxBodyBytes + " bytes");
      }
      return bytes;
    }
  }

  private ApiException tooLarge(String size) {
    return new ApiException(
        413,
        "invalid_request_error",
        null,
        "request_too_large",
        0,
        "the request body of " + size + " exceeds the limit of " + maxBodyBytes + " bytes");
  }

  /**
   * Cross-origin access for browser clients, as vLLM allows it by default: any origin may call the
   * API (a key, when the server has one, is still needed). Returns whether the request is a CORS
   * preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}), which is then answered
   * here, 204 and nothing else: it carries no key, and the browser sends the real request after it.
   */
  boolean allowCrossOrigin() throws IOException {
    if (header("Origin") == null) {
      return false;
    }
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    if (!method().equals("OPTIONS") || header("Access-Control-Request-Method") == null) {
      return false;
    }
    String headers = header("Access-Control-Request-Headers");
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS");
    response
        .getHeaders()
        .put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, headers == null ? "*" : headers);
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_MAX_AGE, 600);
    this.status = 204;
    this.committed = true;
    response.setStatus(204);
    write(true, new byte[0]);
    return true;
  }

  void sendJson(int status, byte[] json) throws IOException {
    send(status, "application/json", json);
  }

  void send(int status, String contentType, byte[] body) throws IOException {
    begin(status, contentType);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    write(true, body);
  }

  void sendError(ApiException e) throws IOException {
    if (e.retryAfterSeconds() > 0) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, e.retryAfterSeconds());
    }
    if (e.status() == 401) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
    }
    sendJson(e.status(), ApiErrors.body(e));
  }

  /** Commits a 200 {@code text/event-stream} response; then {@link #sendEvent} each chunk. */
  void startEventStream() {
    begin(200, "text/event-stream; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
  }

  /**
   * Sends {@code data: <json>} and a blank line, flushed. Not while the stream's {@link
   * EventWriter} has a write in flight.
   */
  void sendEvent(byte[] json) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(json.length + 8);
    frame(frame, json, json.length);
    try {
      write(false, frame.toByteArray());
    } catch (IOException e) {
      throw new ClientGoneException(e);
    }
  }

  /**
   * Appends the event {@code data: <json>} and its blank line to {@code out}, {@code json} being
   * {@code bytes[0, length)}.
   */
  static void frame(ByteArrayOutputStream out, byte[] json, int length) {
    frame(out, json, 0, length);
  }

  /**
   * {@code data: <json>} and a blank line, {@code json} being {@code bytes[from, from + length)}.
   */
  static void frame(ByteArrayOutputStream out, byte[] json, int from, int length) {
    out.write(SSE_DATA, 0, SSE_DATA.length);
    out.write(json, from, length);
    out.write(SSE_END, 0, SSE_END.length);
  }

  /**
   * A writer of the event stream's chunks that does not block the thread that queues them (after
   * {@link #startEventStream}); {@code onIdle} runs when its writes are done or one failed.
   */
  EventWriter eventWriter(Runnable onIdle) {
    return new EventWriter(response, onIdle);
  }

  /** Sends OpenAI's {@code data: [DONE]} and ends the stream. */
  void endEventStream() {
    endEventStream(null);
  }

  /**
   * Sends the event {@code data: <lastJson>} (unless null) and OpenAI's {@code data: [DONE]}, in
   * one write, and ends the stream.
   */
  void endEventStream(byte[] lastJson) {
    ByteArrayOutputStream end = new ByteArrayOutputStream(256);
    if (lastJson != null) {
      frame(end, lastJson, lastJson.length);
    }
    end.writeBytes(SSE_DONE);
    try {
      write(true, end.toByteArray());
    } catch (IOException e) {
      throw new ClientGoneException(e);
    }
  }

  private void begin(int status, String contentType) {
    this.status = status;
    this.committed = true;
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
  }

  private void write(boolean last, byte[] bytes) throws IOException {
    try (Blocker.Callback done = Blocker.callback()) {
      response.write(last, ByteBuffer.wrap(bytes), done);
      done.block();
    }
  }

  /**
   * Whether the client has closed its connection (checked on the socket; false when the connector
   * cannot tell).
   */
  boolean clientGone() {
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    return endPoint instanceof PeekingEndPoint peeking ? peeking.peerClosed() : !endPoint.isOpen();
  }

  /** The figures of one request that its access line reports. */
  static final class AccessRecord {
    int promptTokens = -1;
    int completionTokens = -1;
    long firstTokenNanos;
    String prompt;

    /** Records the usage and the earliest first token of a finished generation. */
    void finished(List<Completion> done, Usage usage) {
      promptTokens = usage.promptTokens();
      completionTokens = usage.completionTokens();
      for (Completion c : done) {
        if (c.firstTokenNanos() != 0
            && (firstTokenNanos == 0 || c.firstTokenNanos() < firstTokenNanos)) {
          firstTokenNanos = c.firstTokenNanos();
        }
      }
    }
  }
}
