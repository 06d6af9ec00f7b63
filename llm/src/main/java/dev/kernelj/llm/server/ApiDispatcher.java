package dev.kernelj.llm.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The Jetty handler in front of the routes: checks the API key, finds the route, runs it on this
 * (blocking) thread, turns any failure into an OpenAI error response through {@link ApiErrors} (an
 * error event if a stream had begun), and writes the access line. A route that {@linkplain
 * Exchange#defer defers} its request (a generation, while the engine works on it) ends it later
 * through {@link Exchange#finish}, the same way. Counts the requests in flight for a graceful stop.
 */
final class ApiDispatcher extends Handler.Abstract {
  private static final String OPEN_PATH = "/health";

  private final Routes routes;
  private final byte[] apiKey;
  private final int maxBodyBytes;
  private final AccessLog accessLog;
  private final Consumer<String> log;
  private final AtomicInteger inFlight = new AtomicInteger();

  ApiDispatcher(Routes routes, ServerConfig config) {
    this.routes = routes;
    this.apiKey = config.apiKey() == null ? null : config.apiKey().getBytes(StandardCharsets.UTF_8);
    this.maxBodyBytes = config.maxBodyBytes();
    this.accessLog = new AccessLog(config.log(), config.logPrompts());
    this.log = config.log();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Exchange exchange = new Exchange(request, response, maxBodyBytes);
    // A generation may write nothing for a long time (queued, or a long non-streamed answer).
    request.addIdleTimeoutListener(timeout -> false);
    inFlight.incrementAndGet();
    exchange.finisher(failure -> finish(exchange, callback, failure));
    Throwable failure = null;
    try {
      if (exchange.allowCrossOrigin()) {
        finish(exchange, callback, null); // a CORS preflight, answered
        return true;
      }
      if (!exchange.path().equals(OPEN_PATH)) {
        checkKey(exchange);
      }
      routes.find(exchange.method(), exchange.path()).handle(exchange);
      if (exchange.deferred()) {
        return true; // ended later, on another thread, through exchange.finish
      }
    } catch (Throwable t) {
      failure = t;
    }
    finish(exchange, callback, failure);
    return true;
  }

  /** Completes the response ({@code failure} null) or answers with the failure, then logs it. */
  private void finish(Exchange exchange, Callback callback, Throwable failure) {
    int status = 500;
    try {
      if (failure == null) {
        status = exchange.status();
        callback.succeeded();
      } else if (failure instanceof ClientGoneException gone) {
        status = AccessLog.CLIENT_CLOSED;
        callback.failed(gone);
      } else {
        status = respond(exchange, failure, callback);
      }
    } finally {
      inFlight.decrementAndGet();
      accessLog.log(exchange, status);
    }
  }

  private int respond(Exchange exchange, Throwable failure, Callback callback) {
    if (ApiErrors.isUnexpected(failure)) {
      log.accept("kernelj: error: " + exchange.method() + " " + exchange.path() + ": " + failure);
      for (StackTraceElement e : failure.getStackTrace()) {
        log.accept("kernelj: error:     at " + e);
      }
    }
    ApiException error = ApiErrors.of(failure);
    try {
      if (!exchange.committed()) {
        exchange.sendError(error);
        callback.succeeded();
        return error.status();
      }
      // A stream had begun: OpenAI's clients read an error event, then the end.
      exchange.sendEvent(ApiErrors.body(error));
      exchange.endEventStream();
      callback.succeeded();
      return exchange.status();
    } catch (Throwable writeFailure) {
      callback.failed(writeFailure);
      return AccessLog.CLIENT_CLOSED;
    }
  }

  private void checkKey(Exchange exchange) {
    if (apiKey == null) {
      return;
    }
    String header = exchange.header("Authorization");
    byte[] given =
        header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
            ? header.substring(7).strip().getBytes(StandardCharsets.UTF_8)
            : new byte[0];
    if (!MessageDigest.isEqual(apiKey, given)) {
      throw new ApiException(
          401,
          "invalid_request_error",
          null,
          "invalid_api_key",
          0,
          "missing or wrong API key: send the header Authorization: Bearer <key>");
    }
  }

  /** Requests being handled now. */
  int inFlight() {
    return inFlight.get();
  }
}
