package dev.kernelj.llm.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads JSON strictly (RFC 8259, through {@link JsonLimits}) into Jackson's tree, rejecting what a
 * tree reader accepts silently: duplicate object keys (the last one would win) and content after
 * the value. Numbers keep their literal form: integers as integer nodes, anything with a fraction
 * or an exponent as an exact decimal, so that readers can tell {@code 4096} from {@code 4096.0} and
 * never round a huge value silently.
 *
 * <p>Every failure names the JSON path: a {@link ModelFormatException} naming the file for the
 * config readers, or whatever {@link Errors} the caller passes.
 */
public final class StrictJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  /** Builds the exception for a problem at a JSON path. */
  @FunctionalInterface
  public interface Errors {
    /**
     * @param path the JSON path of the problem ({@code ""} for the document)
     * @param detail what is wrong
     * @param cause the parser's exception, or null
     */
    RuntimeException at(String path, String detail, Throwable cause);
  }

  private StrictJson() {}

  /**
   * Parses {@code text} which must hold exactly one JSON object.
   *
   * @param file named in errors
   * @param field the part of the file being parsed, named in errors when no deeper path applies
   *     (e.g. {@code "header"} or {@code "(root)"})
   */
  public static ObjectNode parseObject(String text, Path file, String field) {
    JsonNode root = parse(text, file, field);
    if (!root.isObject()) {
      throw new ModelFormatException(
          file, field, "expected a JSON object but found " + describe(root));
    }
    return (ObjectNode) root;
  }

  /** Parses {@code text} which must hold exactly one JSON value. */
  public static JsonNode parse(String text, Path file, String field) {
    Errors errors =
        (path, detail, cause) ->
            new ModelFormatException(file, path.isEmpty() ? field : path, detail, cause);
    try (JsonParser parser = JsonLimits.parser(text)) {
      return parseDocument(parser, errors);
    } catch (IOException e) {
      throw errors.at("", JsonProblems.describe(e), e);
    }
  }

  /** Parses UTF-8 {@code bytes} which must hold exactly one JSON object. */
  public static ObjectNode parseObject(byte[] utf8, Path file, String field) {
    Errors errors =
        (path, detail, cause) ->
            new ModelFormatException(file, path.isEmpty() ? field : path, detail, cause);
    JsonNode root = parse(utf8, errors);
    if (!root.isObject()) {
      throw errors.at("", "expected a JSON object but found " + describe(root), null);
    }
    return (ObjectNode) root;
  }

  /**
   * Parses UTF-8 {@code bytes} which must hold exactly one JSON value; bytes that are not UTF-8 are
   * an error naming the first one.
   */
  public static JsonNode parse(byte[] utf8, Errors errors) {
    requireUtf8(utf8, errors);
    try (JsonParser parser = JsonLimits.parser(utf8, 0, utf8.length)) {
      return parseDocument(parser, errors);
    } catch (IOException e) {
      throw errors.at("", JsonProblems.describe(e), e);
    }
  }

  /**
   * Checks that {@code utf8} is valid UTF-8; the error names the JSON path of the first bad byte.
   */
  public static void requireUtf8(byte[] utf8, Errors errors) {
    int bad = Utf8Check.firstInvalid(utf8, 0, utf8.length);
    if (bad >= 0) {
      throw errors.at(
          JsonProblems.pathAt(utf8, bad),
          String.format(
              java.util.Locale.ROOT,
              "not valid UTF-8: byte 0x%02X at byte %d",
              utf8[bad] & 0xFF,
              bad),
          null);
    }
  }

  /** Reads the one value of {@code parser}'s document; anything after it is an error. */
  public static JsonNode parseDocument(JsonParser parser, Errors errors) throws IOException {
    try {
      if (parser.nextToken() == null) {
        throw errors.at("", "malformed JSON: the file holds no JSON value", null);
      }
      JsonNode value = readValue(parser, "", errors);
      if (parser.nextToken() != null) {
        throw errors.at(
            "",
            "unexpected content after the JSON value at byte "
                + parser.currentTokenLocation().getByteOffset(),
            null);
      }
      return value;
    } catch (IOException e) {
      throw errors.at(JsonProblems.path(parser, ""), JsonProblems.describe(e), e);
    }
  }

  /**
   * Reads the value starting at the parser's current token into a tree, leaving the parser on its
   * last token.
   *
   * @param path the JSON path of that value, for errors
   */
  public static JsonNode readValue(JsonParser parser, String path, Errors errors)
      throws IOException {
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT -> {
        ObjectNode object = NODES.objectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          String at = JsonProblems.key(path, name);
          if (object.has(name)) {
            throw errors.at(at, "duplicate key '" + abbreviate(name) + "'", null);
          }
          parser.nextToken();
          object.set(name, readValue(parser, at, errors));
        }
        return object;
      }
      case START_ARRAY -> {
        ArrayNode array = NODES.arrayNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
          // A scalar cannot fail: the path, a string per element of a long token-id prompt, is
          // made only for values that can.
          JsonNode scalar = scalar(parser, t);
          array.add(
              scalar != null
                  ? scalar
                  : readValue(parser, JsonProblems.index(path, array.size()), errors));
        }
        return array;
      }
      default -> {
        JsonNode scalar = scalar(parser, token);
        if (scalar == null) {
          throw errors.at(path, "malformed JSON: unexpected " + token, null);
        }
        return scalar;
      }
    }
  }

  /** The scalar value of {@code token}, the parser's current token; null when it is none. */
  private static JsonNode scalar(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case VALUE_STRING -> TextNode.valueOf(parser.getText());
      case VALUE_NUMBER_INT ->
          switch (parser.getNumberType()) {
            case INT -> IntNode.valueOf(parser.getIntValue());
            case LONG -> LongNode.valueOf(parser.getLongValue());
            default -> BigIntegerNode.valueOf(parser.getBigIntegerValue());
          };
      case VALUE_NUMBER_FLOAT -> DecimalNode.valueOf(parser.getDecimalValue());
      case VALUE_TRUE, VALUE_FALSE -> BooleanNode.valueOf(token == JsonToken.VALUE_TRUE);
      case VALUE_NULL -> NullNode.getInstance();
      default -> null;
    };
  }

  /** A short description of a JSON value's kind for error messages: "a string", "an array", ... */
  public static String describe(JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return "null";
    }
    if (value.isObject()) {
      return "an object";
    }
    if (value.isArray()) {
      return "an array";
    }
    if (value.isBoolean()) {
      return "a boolean (" + value.booleanValue() + ")";
    }
    if (value.isNumber()) {
      return "a number (" + abbreviate(numberText(value)) + ")";
    }
    return "a string (\"" + abbreviate(value.asText()) + "\")";
  }

  /** A number as written (an exact decimal keeps its scale: {@code 4096.0}). */
  static String numberText(JsonNode number) {
    return number.isBigDecimal() ? number.decimalValue().toString() : number.asText();
  }

  /** At most 40 characters of {@code text} on one line, for messages. */
  public static String abbreviate(String text) {
    String single = text == null ? "" : text.replaceAll("[\\r\\n\\t]+", " ");
    return single.length() <= 40 ? single : single.substring(0, 37) + "...";
  }
}
