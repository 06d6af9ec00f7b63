package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.json.StrictJson;
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
  /** Longest text a tokenizer file's field may hold (chat templates, the longest, are ~20 KiB). */
  static final int MAX_STRING_CHARS = 1 << 20;

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

  JsonNode object(JsonNode e, String field) {
    if (e == null || !e.isObject()) {
      throw error(field, "expected an object but found " + describe(e));
    }
    return e;
  }

  JsonNode array(JsonNode o, String key, String field) {
    JsonNode e = o.get(key);
    if (e == null || !e.isArray()) {
      throw error(join(field, key), "expected an array but found " + describe(e));
    }
    return e;
  }

  JsonNode object(JsonNode o, String key, String field) {
    return object(o.get(key), join(field, key));
  }

  /**
   * Reads the array {@code o[key]} item by item; each item's field reads {@code field.key[i]} in
   * errors.
   */
  <T> List<T> items(JsonNode o, String key, String field, BiFunction<JsonNode, String, T> read) {
    JsonNode array = array(o, key, field);
    List<T> items = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      String where = field + "." + key + "[" + i + "]";
      T item = read.apply(array.get(i), where);
      if (item == null) {
        throw error(where, "expected an object but found " + describe(array.get(i)));
      }
      items.add(item);
    }
    return List.copyOf(items);
  }

  String string(JsonNode o, String key, String field) {
    return string(o.get(key), join(field, key));
  }

  /**
   * A string of at most {@link #MAX_STRING_CHARS} characters (a tokenizer component's text, a
   * token, a chat template).
   */
  String string(JsonNode e, String field) {
    if (!isString(e)) {
      throw error(field, "expected a string but found " + describe(e));
    }
    String text = e.textValue();
    if (text.length() > MAX_STRING_CHARS) {
      throw error(
          field,
          "a string of " + text.length() + " characters, over the limit of " + MAX_STRING_CHARS);
    }
    return text;
  }

  /** A string field that may be absent or null. */
  String optionalString(JsonNode o, String key, String field) {
    JsonNode e = o.get(key);
    return isNull(e) ? null : string(o, key, field);
  }

  boolean bool(JsonNode o, String key, String field, boolean fallback) {
    JsonNode e = o.get(key);
    if (isNull(e)) {
      return fallback;
    }
    if (!e.isBoolean()) {
      throw error(join(field, key), "expected true or false but found " + describe(e));
    }
    return e.booleanValue();
  }

  int integer(JsonNode o, String key, String field) {
    JsonNode e = o.get(key);
    return integer(e, join(field, key));
  }

  int integer(JsonNode e, String field) {
    if (e == null || !e.isIntegralNumber() || !e.canConvertToInt()) {
      throw error(
          field,
          "expected an integer"
              + (e != null && e.isIntegralNumber() ? " in the int range" : "")
              + " but found "
              + describe(e));
    }
    return e.intValue();
  }

  /** The {@code type} tag of a component object. */
  String type(JsonNode e, String field) {
    return string(object(e, field), "type", field);
  }

  static boolean isNull(JsonNode e) {
    return e == null || e.isNull();
  }

  static String join(String field, String key) {
    return field.isEmpty() ? key : field + "." + key;
  }

  private static boolean isString(JsonNode e) {
    return e != null && e.isTextual();
  }

  private static String describe(JsonNode e) {
    return e == null ? "nothing (the field is missing)" : StrictJson.describe(e);
  }
}
