package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The server's one Jackson setup: a mapper for request trees, generators for responses. */
final class Json {
  /**
   * Duplicate keys are an error (which of two "temperature"s did the client mean?), and so is
   * anything after the body's one value.
   */
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final JsonFactory FACTORY = MAPPER.getFactory();

  /** Writes one JSON value. */
  @FunctionalInterface
  interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  private Json() {}

  /** The UTF-8 bytes {@code writer} produces. */
  static byte[] bytes(Writer writer) {
    try (ByteArrayBuilder out = new ByteArrayBuilder(256);
        JsonGenerator g = FACTORY.createGenerator(out)) {
      writer.write(g);
      g.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
    }
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
