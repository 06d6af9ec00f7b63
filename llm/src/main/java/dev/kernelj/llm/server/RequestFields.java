package dev.kernelj.llm.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of a JSON request object. Absent and {@code null} fields read as null; a field of the
 * wrong type is a 400 naming it. Fields nobody reads are ignored, as OpenAI's API ignores them.
 * Integers may be written as {@code 3} or {@code 3.0}, never as {@code 3.5}, {@code "3"} or {@code
 * true}.
 */
final class RequestFields {
  private final JsonNode node;
  private final String path;

  private RequestFields(JsonNode node, String path) {
    this.node = node;
    this.path = path;
  }

  /** The fields of the request body; 400 when it is not a JSON object. */
  static RequestFields of(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest(null, "the request body must be a JSON object");
    }
    return new RequestFields(body, "");
  }

  /** The nested object {@code field}, or null when absent. */
  RequestFields object(String field) {
    JsonNode v = value(field);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      throw wrongType(field, "an object", v);
    }
    return new RequestFields(v, name(field) + ".");
  }

  /** Whether {@code field} is present and not null. */
  boolean has(String field) {
    return value(field) != null;
  }

  /** The raw value of {@code field}, or null. */
  JsonNode value(String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v;
  }

  /** The full name of {@code field} for messages ({@code stream_options.include_usage}). */
  String name(String field) {
    return path + field;
  }

  String string(String field) {
    JsonNode v = value(field);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw wrongType(field, "a string", v);
    }
    return v.textValue();
  }

  Boolean bool(String field) {
    JsonNode v = value(field);
    if (v == null) {
      return null;
    }
    if (!v.isBoolean()) {
      throw wrongType(field, "a boolean", v);
    }
    return v.booleanValue();
  }

  boolean bool(String field, boolean otherwise) {
    Boolean b = bool(field);
    return b == null ? otherwise : b;
  }

  Double number(String field) {
    JsonNode v = value(field);
    if (v == null) {
      return null;
    }
    if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
      throw wrongType(field, "a finite number", v);
    }
    return v.doubleValue();
  }

  Integer integer(String field) {
    Long v = int64(field);
    if (v != null && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
      throw ApiException.badRequest(name(field), name(field) + " " + v + " is out of range");
    }
    return v == null ? null : v.intValue();
  }

  Long int64(String field) {
    JsonNode v = value(field);
    return v == null ? null : asLong(v, name(field));
  }

  /** A string, or a list of strings, as a list (OpenAI's {@code stop}). */
  List<String> stringOrStrings(String field) {
    JsonNode v = value(field);
    if (v == null) {
      return List.of();
    }
    if (v.isTextual()) {
      return List.of(v.textValue());
    }
    if (!v.isArray()) {
      throw wrongType(field, "a string or a list of strings", v);
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : v) {
      if (!item.isTextual()) {
        throw wrongType(field, "a string or a list of strings", v);
      }
      out.add(item.textValue());
    }
    return out;
  }

  /** A list of integers ({@code stop_token_ids}). */
  List<Integer> integers(String field) {
    JsonNode v = value(field);
    if (v == null) {
      return List.of();
    }
    if (!v.isArray()) {
      throw wrongType(field, "a list of integers", v);
    }
    List<Integer> out = new ArrayList<>();
    for (JsonNode item : v) {
      long id = asLong(item, name(field));
      if (id < Integer.MIN_VALUE || id > Integer.MAX_VALUE) {
        throw ApiException.badRequest(name(field), name(field) + " holds " + id + ", out of range");
      }
      out.add((int) id);
    }
    return out;
  }

  /** The integer {@code v} holds, or a 400 naming {@code param}. */
  static long asLong(JsonNode v, String param) {
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.longValue();
    }
    if (v.isFloatingPointNumber()) {
      double d = v.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
        return (long) d;
      }
    }
    throw ApiException.badRequest(param, param + " must be an integer, got " + describe(v));
  }

  private ApiException wrongType(String field, String expected, JsonNode v) {
    return ApiException.badRequest(
        name(field), name(field) + " must be " + expected + ", got " + describe(v));
  }

  static String describe(JsonNode v) {
    String text = v.toString();
    String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
    return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + shown;
  }
}
