package dev.kernelj.llm.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The route table: method and path to handler. A path ending in {@code /*} matches everything under
 * it (the handler reads the rest). An unknown path is a 404, a known path with another method a
 * 405, both in OpenAI's error shape.
 */
final class Routes {
  private final Map<String, Map<String, ApiHandler>> exact = new LinkedHashMap<>();
  private final TreeMap<String, Map<String, ApiHandler>> prefixes = new TreeMap<>();

  Routes get(String path, ApiHandler handler) {
    return add("GET", path, handler);
  }

  Routes post(String path, ApiHandler handler) {
    return add("POST", path, handler);
  }

  private Routes add(String method, String path, ApiHandler handler) {
    Map<String, Map<String, ApiHandler>> table = path.endsWith("/*") ? prefixes : exact;
    String key = path.endsWith("/*") ? path.substring(0, path.length() - 1) : path;
    table.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(method, handler);
    return this;
  }

  /** The handler of {@code method} on {@code path}. */
  ApiHandler find(String method, String path) {
    Map<String, ApiHandler> byMethod = exact.get(path);
    if (byMethod == null) {
      var prefix = prefixes.floorEntry(path);
      if (prefix != null && path.startsWith(prefix.getKey())) {
        byMethod = prefix.getValue();
      }
    }
    if (byMethod == null) {
      throw ApiException.notFound(null, null, "no route " + method + " " + path);
    }
    ApiHandler handler = byMethod.get(method);
    if (handler == null) {
      throw new ApiException(
          405,
          "invalid_request_error",
          null,
          "method_not_allowed",
          0,
          method
              + " is not allowed on "
              + path
              + "; use "
              + String.join(" or ", byMethod.keySet()));
    }
    return handler;
  }
}
