package dev.kernelj.llm.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;

/**
 * The one Jackson configuration every JSON file of a model directory is read with: RFC 8259 only
 * (Jackson's defaults: no comments, single quotes, NaN, leading zeros or trailing commas), nesting
 * at most {@value #MAX_DEPTH} levels (hostile files nested 10,000 deep must not overflow the
 * stack), and field names not interned (a tokenizer vocabulary has 150,000 distinct keys, seen once
 * each). Names stay canonicalized: without it Jackson reads bytes through a character decoder,
 * slower and without byte offsets.
 */
public final class JsonLimits {
  /** Deeper than any model file needs (tokenizer.json nests about 6 levels). */
  public static final int MAX_DEPTH = 64;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
          .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
          .build();

  private JsonLimits() {}

  /** A parser over {@code bytes[offset, offset + length)} of UTF-8 JSON. */
  public static JsonParser parser(byte[] bytes, int offset, int length) throws IOException {
    return FACTORY.createParser(bytes, offset, length);
  }

  /** A parser over UTF-8 JSON read from {@code in}. */
  public static JsonParser parser(java.io.InputStream in) throws IOException {
    return FACTORY.createParser(in);
  }

  /** A generator writing compact JSON text to {@code out}. */
  public static com.fasterxml.jackson.core.JsonGenerator generator(java.io.Writer out)
      throws IOException {
    return FACTORY.createGenerator(out);
  }

  /** A generator writing compact UTF-8 JSON to {@code out}. */
  public static com.fasterxml.jackson.core.JsonGenerator generator(java.io.OutputStream out)
      throws IOException {
    return FACTORY.createGenerator(out);
  }

  /** A parser over JSON text. */
  public static JsonParser parser(String text) throws IOException {
    return FACTORY.createParser(text);
  }
}
