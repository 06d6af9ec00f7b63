package dev.kernelj.llm.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Typed access to the JSON of one tokenizer file: every accessor takes the JSON path of what it
 * reads, so that a missing or ill-typed value becomes a {@link TokenizerFormatException} naming the
 * file and the field instead of a {@code NullPointerException} deep inside the tokenizer.
 */
final class JsonSpec {

  private final Path file;

  JsonSpec(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  TokenizerFormatException error(String field, String problem) {
    return new TokenizerFormatException(file, field, problem);
  }

  JsonObject object(JsonElement e, String field) {
    if (e == null || !e.isJsonObject()) {
      throw error(field, "expected an object but found " + describe(e));
    }
    return e.getAsJsonObject();
  }

  JsonArray array(JsonObject o, String key, String field) {
    JsonElement e = o.get(key);
    if (e == null || !e.isJsonArray()) {
      throw error(join(field, key), "expected an array but found " + describe(e));
    }
    return e.getAsJsonArray();
  }

  JsonObject object(JsonObject o, String key, String field) {
    return object(o.get(key), join(field, key));
  }

  /**
   * Reads the array {@code o[key]} item by item; each item's field reads {@code field.key[i]} in
   * errors.
   */
  <T> List<T> items(
      JsonObject o, String key, String field, BiFunction<JsonElement, String, T> read) {
    JsonArray array = array(o, key, field);
    List<T> items = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      items.add(read.apply(array.get(i), field + "." + key + "[" + i + "]"));
    }
    return List.copyOf(items);
  }

  String string(JsonObject o, String key, String field) {
    JsonElement e = o.get(key);
    if (!isString(e)) {
      throw error(join(field, key), "expected a string but found " + describe(e));
    }
    return e.getAsString();
  }

  String string(JsonElement e, String field) {
    if (!isString(e)) {
      throw error(field, "expected a string but found " + describe(e));
    }
    return e.getAsString();
  }

  /** A string field that may be absent or null. */
  String optionalString(JsonObject o, String key, String field) {
    JsonElement e = o.get(key);
    return isNull(e) ? null : string(o, key, field);
  }

  boolean bool(JsonObject o, String key, String field, boolean fallback) {
    JsonElement e = o.get(key);
    if (isNull(e)) {
      return fallback;
    }
    if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean())) {
      throw error(join(field, key), "expected true or false but found " + describe(e));
    }
    return e.getAsBoolean();
  }

  int integer(JsonObject o, String key, String field) {
    JsonElement e = o.get(key);
    return integer(e, join(field, key));
  }

  int integer(JsonElement e, String field) {
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw error(field, "expected an integer but found " + describe(e));
    }
    double d = e.getAsDouble();
    if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
      throw error(field, "expected an integer but found " + e);
    }
    return (int) d;
  }

  /** The {@code type} tag of a component object. */
  String type(JsonElement e, String field) {
    return string(object(e, field), "type", field);
  }

  static boolean isNull(JsonElement e) {
    return e == null || e.isJsonNull();
  }

  static String join(String field, String key) {
    return field.isEmpty() ? key : field + "." + key;
  }

  private static boolean isString(JsonElement e) {
    return e != null && e.isJsonPrimitive() && ((JsonPrimitive) e).isString();
  }

  private static String describe(JsonElement e) {
    if (e == null) return "nothing (the field is missing)";
    if (e.isJsonNull()) return "null";
    if (e.isJsonObject()) return "an object";
    if (e.isJsonArray()) return "an array";
    String text = e.toString();
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }
}
