package dev.kernelj.llm.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers by itself, before a request reaches the routes (a URI it cannot read, a
 * request line or header too long), in OpenAI's error shape like every other error of the API:
 * clients parse {@code {"error": ...}}, and Jetty's own page is HTML.
 */
final class JsonErrorHandler extends ErrorHandler {
  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback)
      throws IOException {
    String reason = HttpStatus.getMessage(code);
    String text =
        message == null || message.isBlank() || message.equals(reason)
            ? reason
            : reason + ": " + message;
    ApiException error =
        new ApiException(
            code, code >= 500 ? "server_error" : "invalid_request_error", null, null, 0, text);
    response.setStatus(code);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(ApiErrors.body(error)), callback);
  }
}
