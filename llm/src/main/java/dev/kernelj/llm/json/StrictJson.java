package dev.kernelj.llm.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;

/**
 * Parses JSON text strictly (RFC 8259: no comments, no unquoted names, no NaN, no trailing garbage)
 * into Gson's tree, rejecting what Gson's own tree parser accepts silently: duplicate object keys
 * (the last one would win) and nesting deeper than {@value #MAX_DEPTH} levels (a stack overflow
 * waiting to happen on hostile input).
 *
 * <p>Numbers are kept as their literal text (see {@link JsonFields}) so integers are read exactly.
 * Every failure is a {@link ModelFormatException} naming the file and, where known, the JSON path.
 */
public final class StrictJson {
  /** Deeper than any model file needs (tokenizer.json nests about 6 levels). */
  public static final int MAX_DEPTH = 64;

  private StrictJson() {}

  /**
   * Parses {@code text} which must hold exactly one JSON object.
   *
   * @param file named in errors
   * @param field the part of the file being parsed, named in errors (e.g. {@code "header"} or
   *     {@code "(root)"})
   */
  public static JsonObject parseObject(String text, Path file, String field) {
    JsonElement root = parse(text, file, field);
    if (!root.isJsonObject()) {
      throw new ModelFormatException(
          file, field, "expected a JSON object but found " + describe(root));
    }
    return root.getAsJsonObject();
  }

  /** Parses {@code text} which must hold exactly one JSON value. */
  public static JsonElement parse(String text, Path file, String field) {
    JsonReader reader = new JsonReader(new StringReader(text));
    reader.setStrictness(Strictness.STRICT);
    try {
      JsonElement value = read(reader, 0, file, field);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new ModelFormatException(
            file, field, "unexpected content after the JSON value at " + reader.getPath());
      }
      return value;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw new ModelFormatException(file, field, "malformed JSON: " + gsonMessage(e), e);
    }
  }

  private static JsonElement read(JsonReader reader, int depth, Path file, String field)
      throws IOException {
    if (depth > MAX_DEPTH) {
      throw new ModelFormatException(
          file, field, "JSON nested deeper than " + MAX_DEPTH + " levels at " + reader.getPath());
    }
    JsonToken token = reader.peek();
    switch (token) {
      case BEGIN_OBJECT -> {
        JsonObject object = new JsonObject();
        reader.beginObject();
        while (reader.hasNext()) {
          String name = reader.nextName();
          if (object.has(name)) {
            throw new ModelFormatException(
                file, field, "duplicate key '" + name + "' at " + reader.getPath());
          }
          object.add(name, read(reader, depth + 1, file, field));
        }
        reader.endObject();
        return object;
      }
      case BEGIN_ARRAY -> {
        JsonArray array = new JsonArray();
        reader.beginArray();
        while (reader.hasNext()) {
          array.add(read(reader, depth + 1, file, field));
        }
        reader.endArray();
        return array;
      }
      case STRING -> {
        return new JsonPrimitive(reader.nextString());
      }
      case NUMBER -> {
        return new JsonPrimitive(new NumberLiteral(reader.nextString()));
      }
      case BOOLEAN -> {
        return new JsonPrimitive(reader.nextBoolean());
      }
      case NULL -> {
        reader.nextNull();
        return JsonNull.INSTANCE;
      }
      default ->
          throw new ModelFormatException(
              file, field, "malformed JSON: unexpected " + token + " at " + reader.getPath());
    }
  }

  /** A short description of a JSON value's kind for error messages: "a string", "an array", ... */
  public static String describe(JsonElement value) {
    if (value == null || value.isJsonNull()) {
      return "null";
    }
    if (value.isJsonObject()) {
      return "an object";
    }
    if (value.isJsonArray()) {
      return "an array";
    }
    JsonPrimitive primitive = value.getAsJsonPrimitive();
    if (primitive.isBoolean()) {
      return "a boolean (" + primitive.getAsBoolean() + ")";
    }
    if (primitive.isNumber()) {
      return "a number (" + abbreviate(primitive.getAsString()) + ")";
    }
    return "a string (\"" + abbreviate(primitive.getAsString()) + "\")";
  }

  static String abbreviate(String text) {
    String single = oneLine(text);
    return single.length() <= 40 ? single : single.substring(0, 37) + "...";
  }

  /**
   * Gson's message without its advice to callers (lenient mode, troubleshooting links): users
   * cannot act on it.
   */
  static String gsonMessage(Exception e) {
    String message =
        oneLine(e.getMessage())
            .replace(
                "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON",
                "syntax error")
            .replaceAll("\\s*See https?://\\S+", "")
            .strip();
    return message.isEmpty() ? e.getClass().getSimpleName() : message;
  }

  private static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("[\\r\\n\\t]+", " ");
  }
}
