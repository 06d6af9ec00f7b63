package dev.kernelj.llm.json;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.CharConversionException;
import java.io.IOException;

/**
 * Words for what went wrong while reading JSON: where (the JSON path, e.g. {@code
 * model.merges[12]}, and the byte, line and column) and what, in a sentence a user can act on.
 * Jackson's own messages are kept but stripped of what only a programmer could use (feature names
 * to enable, source descriptions, class names).
 */
public final class JsonProblems {
  private JsonProblems() {}

  /**
   * The path of the value the parser is at, below {@code prefix}: keys joined with dots, array
   * items as {@code [i]}. Inside an object between members it names the last member read.
   */
  public static String path(JsonParser parser, String prefix) {
    return path(parser.getParsingContext(), prefix);
  }

  private static String path(JsonStreamContext context, String prefix) {
    if (context == null || context.inRoot()) {
      return prefix;
    }
    String parent = path(context.getParent(), prefix);
    if (context.inArray()) {
      return parent + "[" + Math.max(0, context.getCurrentIndex()) + "]";
    }
    String name = context.getCurrentName();
    return name == null ? parent : key(parent, name);
  }

  /**
   * The JSON path of byte {@code offset} of {@code utf8}: where a parser of the bytes before it
   * stands when they run out (for naming where a file stops being UTF-8).
   */
  public static String pathAt(byte[] utf8, int offset) {
    try (JsonParser parser = JsonLimits.parser(utf8, 0, offset)) {
      try {
        while (parser.nextToken() != null) {
          // read up to the cut
        }
      } catch (IOException e) {
        return path(parser, "");
      }
      return path(parser, "");
    } catch (IOException e) {
      return "";
    }
  }

  /** {@code parent.key}, or {@code key} at the top. */
  public static String key(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** {@code parent[index]}. */
  public static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }

  /**
   * One line for a failure of the parser: {@code malformed JSON at byte 120 (line 3, column 7):
   * unexpected character ...}, or {@code nested deeper than 64 levels}.
   */
  public static String describe(IOException e) {
    if (e instanceof StreamConstraintsException limit) {
      return limit.getOriginalMessage().contains("nesting depth")
          ? "JSON nested deeper than " + JsonLimits.MAX_DEPTH + " levels"
          : "over a limit of the JSON reader: " + clean(limit.getOriginalMessage());
    }
    if (e instanceof CharConversionException) {
      return "not valid UTF-8: " + clean(e.getMessage());
    }
    if (e instanceof JsonProcessingException json) {
      String what = clean(json.getOriginalMessage());
      if (what.contains("Invalid UTF-8")) {
        what = "not valid UTF-8 (" + what + ")";
      }
      return "malformed JSON" + where(json.getLocation()) + ": " + what;
    }
    String message = e.getMessage();
    return "cannot read: " + (message == null ? "an I/O error" : clean(message));
  }

  private static String where(JsonLocation location) {
    if (location == null || location == JsonLocation.NA) {
      return "";
    }
    long offset =
        location.getByteOffset() >= 0 ? location.getByteOffset() : location.getCharOffset();
    return " at byte "
        + offset
        + " (line "
        + location.getLineNr()
        + ", column "
        + location.getColumnNr()
        + ")";
  }

  /**
   * Jackson's message without its advice to programmers: feature switches ({@code enable
   * `JsonReadFeature.X` to allow}), limits' accessor names, and source descriptions.
   */
  static String clean(String message) {
    if (message == null) {
      return "syntax error";
    }
    String text =
        message
            .replaceAll("\\s*\\(start marker at \\[[^\\]]*\\]\\)", "")
            .replaceAll(":?\\s*enable `[^`]*` to allow", "")
            .replaceAll("\\s*\\([^()]*Feature[^()]*\\)", "")
            .replaceAll(",\\s*from `[^`]*`", "")
            .replaceAll("`[A-Za-z.]+`", "")
            .replaceAll("[\\r\\n\\t]+", " ")
            .replace("maybe a (non-standard) comment?", "comments are not allowed in JSON")
            .strip();
    return text.isEmpty() ? "syntax error" : text;
  }
}
