package dev.kernelj.llm.server;

import dev.kernelj.llm.chat.ChatTemplateException;
import dev.kernelj.llm.engine.EngineException;
import dev.kernelj.llm.serving.RequestRejectedException;

/**
 * The one place that maps failures to OpenAI-shaped error responses: {@code {"error": {"message",
 * "type", "param", "code"}}} with the status code that goes with it. Never a stack trace: an
 * unexpected exception is reported by class name (the server log has the trace).
 */
final class ApiErrors {
  private ApiErrors() {}

  /** What the client is told about {@code failure}. */
  static ApiException of(Throwable failure) {
    if (failure instanceof ApiException api) {
      return api;
    }
    if (failure instanceof RequestRejectedException rejected) {
      return switch (rejected.reason()) {
        case TOO_LONG, INVALID -> ApiException.badRequest(null, rejected.getMessage());
        case QUEUE_FULL -> ApiException.unavailable("queue_full", 1, rejected.getMessage());
        case SHUTTING_DOWN -> ApiException.unavailable("shutting_down", 5, rejected.getMessage());
      };
    }
    if (failure instanceof ChatTemplateException template) {
      return ApiException.badRequest("messages", template.getMessage());
    }
    if (failure instanceof EngineException engine) {
      return new ApiException(500, "server_error", null, "engine_error", 0, engine.getMessage());
    }
    return new ApiException(
        500,
        "server_error",
        null,
        "internal_error",
        0,
        "internal error: " + failure.getClass().getName() + " (see the server log)");
  }

  /** Whether the server log should get the stack trace of {@code failure} (a bug, not the user). */
  static boolean isUnexpected(Throwable failure) {
    return !(failure instanceof ApiException
        || failure instanceof EngineException
        || failure instanceof ChatTemplateException);
  }

  /** The JSON body of {@code e}. */
  static byte[] body(ApiException e) {
    return Json.bytes(
        g -> {
          g.writeStartObject();
          g.writeObjectFieldStart("error");
          g.writeStringField("message", e.getMessage());
          g.writeStringField("type", e.type());
          Json.stringOrNull(g, "param", e.param());
          Json.stringOrNull(g, "code", e.code());
          g.writeEndObject();
          g.writeEndObject();
        });
  }
}
