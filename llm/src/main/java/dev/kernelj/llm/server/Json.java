package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.json.JsonLimits;
import dev.kernelj.llm.json.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The server's JSON, on the project's one Jackson configuration ({@link JsonLimits}): request
 * bodies are read as strictly as model files ({@link StrictJson}: no duplicate keys, nothing after
 * the value, valid UTF-8, nested at most {@value JsonLimits#MAX_DEPTH} levels), responses are
 * written by generators.
 */
final class Json {
  /** Writes one JSON value. */
  @FunctionalInterface
  interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  private Json() {}

  /**
   * The one JSON value of a request body; a 400 naming the JSON path and the problem otherwise
   * (which of two "temperature"s did the client mean?).
   */
  static JsonNode parse(byte[] body) {
    return StrictJson.parse(
        body,
        (path, detail, cause) ->
            ApiException.badRequest(
                path.isEmpty() ? null : path,
                "the request body"
                    + (path.isEmpty() ? "" : " at " + path)
                    + " is not valid JSON: "
                    + detail));
  }

  /** The UTF-8 bytes {@code writer} produces. */
  static byte[] bytes(Writer writer) {
    try (ByteArrayBuilder out = new ByteArrayBuilder(256);
        JsonGenerator g = JsonLimits.generator(out)) {
      writer.write(g);
      g.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
    }
  }

  /** {@code text} as a quoted JSON string (for log lines). */
  static String quoted(String text) {
    return new String(bytes(g -> g.writeString(text)), StandardCharsets.UTF_8);
  }

  /** Writes {@code name: value}, or {@code name: null} when value is null. */
  static void stringOrNull(JsonGenerator g, String name, String value) throws IOException {
    if (value == null) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, value);
    }
  }
}
