package dev.kernelj.llm.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kernelj.llm.util.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed access to the keys of one JSON object of one file. Every accessor either returns a value of
 * the asked type or throws a {@link ModelFormatException} naming the file and the key's path (e.g.
 * {@code rope_scaling.factor}).
 *
 * <p>Missing and {@code null} are treated alike (Python writes {@code None} as {@code null}).
 * Integers must be written as integers: {@code 4096.0} is rejected rather than guessed at.
 */
public final class JsonFields {
  /** Integers at or beyond this magnitude are "too large" (no model setting comes near it). */
  private static final long INTEGER_LIMIT = 1_000_000_000_000_000_000L;

  private final ObjectNode object;
  private final Path file;
  private final String path;

  private JsonFields(ObjectNode object, Path file, String path) {
    this.object = object;
    this.file = file;
    this.path = path;
  }

  /** Wraps the root object of {@code file}. */
  public static JsonFields of(ObjectNode object, Path file) {
    return new JsonFields(object, file, "");
  }

  /** The file these fields come from. */
  public Path file() {
    return file;
  }

  /** The wrapped object. */
  public ObjectNode object() {
    return object;
  }

  /** The full path of {@code key} for messages, e.g. {@code rope_scaling.factor}. */
  public String pathOf(String key) {
    return path + key;
  }

  /** The keys present in this object. */
  public Set<String> keys() {
    Set<String> keys = new java.util.LinkedHashSet<>();
    object.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  /** Whether {@code key} is present with a non-null value. */
  public boolean has(String key) {
    JsonNode value = object.get(key);
    return value != null && !value.isNull();
  }

  /** An error about {@code key} of this object. */
  public ModelFormatException error(String key, String detail) {
    return new ModelFormatException(file, pathOf(key), detail);
  }

  private JsonNode require(String key) {
    if (!has(key)) {
      throw error(key, "missing required key");
    }
    return object.get(key);
  }

  /** A required integer in the {@code int} range. */
  public int requireInt(String key) {
    return toInt(key, require(key));
  }

  /** An optional integer, {@code defaultValue} when missing or null. */
  public int intOr(String key, int defaultValue) {
    return has(key) ? toInt(key, object.get(key)) : defaultValue;
  }

  /** A required integer that must be at least {@code min}. */
  public int requireIntAtLeast(String key, int min) {
    int value = requireInt(key);
    if (value < min) {
      throw error(key, "must be at least " + min + " but is " + value);
    }
    return value;
  }

  /** A required long. */
  public long requireLong(String key) {
    return toLong(key, require(key));
  }

  /** A required finite number. */
  public double requireDouble(String key) {
    return toDouble(key, require(key));
  }

  /** An optional finite number. */
  public double doubleOr(String key, double defaultValue) {
    return has(key) ? toDouble(key, object.get(key)) : defaultValue;
  }

  /** An optional boolean. */
  public boolean booleanOr(String key, boolean defaultValue) {
    if (!has(key)) {
      return defaultValue;
    }
    JsonNode value = object.get(key);
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    throw error(key, "expected true or false but found " + StrictJson.describe(value));
  }

  /** A required string. */
  public String requireString(String key) {
    return toString(key, require(key));
  }

  /** An optional string. */
  public String stringOr(String key, String defaultValue) {
    return has(key) ? toString(key, object.get(key)) : defaultValue;
  }

  /** A required nested object. */
  public JsonFields requireObject(String key) {
    return toObject(key, require(key));
  }

  /** An optional nested object, or {@code null} when missing or null. */
  public JsonFields objectOrNull(String key) {
    return has(key) ? toObject(key, object.get(key)) : null;
  }

  /** A required list of strings. */
  public List<String> requireStringList(String key) {
    JsonNode array = toArray(key, require(key));
    List<String> result = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      result.add(toString(key + "[" + i + "]", array.get(i)));
    }
    return List.copyOf(result);
  }

  /** An optional list of strings, empty when missing. */
  public List<String> stringListOrEmpty(String key) {
    return has(key) ? requireStringList(key) : List.of();
  }

  /**
   * An integer or a list of integers (as {@code eos_token_id} may be), empty when missing or null.
   */
  public List<Integer> intOrIntList(String key) {
    if (!has(key)) {
      return List.of();
    }
    JsonNode value = object.get(key);
    if (value.isArray()) {
      JsonNode array = value;
      List<Integer> result = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        result.add(toInt(key + "[" + i + "]", array.get(i)));
      }
      return List.copyOf(result);
    }
    return List.of(toInt(key, value));
  }

  /** The entries of a required object whose values must all be strings. */
  public Map<String, String> requireStringMap(String key) {
    JsonFields map = requireObject(key);
    Map<String, String> result = new LinkedHashMap<>();
    map.object
        .fields()
        .forEachRemaining(e -> result.put(e.getKey(), map.toString(e.getKey(), e.getValue())));
    return result;
  }

  private int toInt(String key, JsonNode value) {
    long parsed = toLong(key, value);
    if (parsed < Integer.MIN_VALUE || parsed > Integer.MAX_VALUE) {
      throw error(key, "integer " + parsed + " is out of range");
    }
    return (int) parsed;
  }

  private long toLong(String key, JsonNode value) {
    if (value.isIntegralNumber()) {
      if (value.canConvertToLong()
          && value.longValue() > -INTEGER_LIMIT
          && value.longValue() < INTEGER_LIMIT) {
        return value.longValue();
      }
      throw error(
          key, "expected an integer but found " + StrictJson.describe(value) + " (too large)");
    }
    throw error(key, "expected an integer but found " + StrictJson.describe(value));
  }

  private double toDouble(String key, JsonNode value) {
    if (value.isNumber()) {
      double parsed =
          value.isBigDecimal() ? value.decimalValue().doubleValue() : value.doubleValue();
      if (!Double.isFinite(parsed)) {
        throw error(
            key,
            "number " + StrictJson.abbreviate(StrictJson.numberText(value)) + " is out of range");
      }
      return parsed;
    }
    throw error(key, "expected a number but found " + StrictJson.describe(value));
  }

  private String toString(String key, JsonNode value) {
    if (value.isTextual()) {
      return value.textValue();
    }
    throw error(key, "expected a string but found " + StrictJson.describe(value));
  }

  private JsonFields toObject(String key, JsonNode value) {
    if (value.isObject()) {
      return new JsonFields((ObjectNode) value, file, pathOf(key) + ".");
    }
    throw error(key, "expected an object but found " + StrictJson.describe(value));
  }

  private JsonNode toArray(String key, JsonNode value) {
    if (value.isArray()) {
      return value;
    }
    throw error(key, "expected a list but found " + StrictJson.describe(value));
  }

  /** Reads {@code value} as a string, naming {@code key} in errors. */
  public String asString(String key, JsonNode value) {
    return toString(key, value);
  }

  /** Reads {@code value} as a nested object, naming {@code key} in errors. */
  public JsonFields asObject(String key, JsonNode value) {
    return toObject(key, value);
  }

  /** The raw node for {@code key}: null when absent, a null node when written as null. */
  public JsonNode raw(String key) {
    return object.get(key);
  }
}
