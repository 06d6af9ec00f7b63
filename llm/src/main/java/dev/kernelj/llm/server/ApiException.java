package dev.kernelj.llm.server;

/**
 * A failure the client is told about: an HTTP status and OpenAI's error object ({@code message},
 * {@code type}, {@code param}, {@code code}). Thrown anywhere in a handler; {@link ApiErrors} turns
 * it (and every other exception) into the response.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String type;
  private final String param;
  private final String code;
  private final int retryAfterSeconds;

  ApiException(
      int status, String type, String param, String code, int retryAfterSeconds, String message) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 400: a field is malformed, of the wrong type or out of range. */
  static ApiException badRequest(String param, String message) {
    return new ApiException(400, "invalid_request_error", param, null, 0, message);
  }

  static ApiException notFound(String code, String param, String message) {
    return new ApiException(404, "invalid_request_error", param, code, 0, message);
  }

  /** 503 with {@code Retry-After}: the server cannot take the request now. */
  static ApiException unavailable(String code, int retryAfterSeconds, String message) {
    return new ApiException(503, "server_error", null, code, retryAfterSeconds, message);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }

  /** Seconds for the {@code Retry-After} header; 0 for none. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
