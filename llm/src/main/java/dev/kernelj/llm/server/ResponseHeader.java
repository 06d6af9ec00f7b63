package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/**
 * The fields every completion object and chunk starts with.
 *
 * @param id the response id, the same in every chunk
 * @param object {@code chat.completion}, {@code chat.completion.chunk} or {@code text_completion}
 * @param created epoch seconds
 * @param model the served model's name
 */
record ResponseHeader(String id, String object, long created, String model) {
  /** A fresh id with {@code prefix}, created now. */
  static ResponseHeader now(String prefix, String object, String model) {
    return new ResponseHeader(Ids.next(prefix), object, System.currentTimeMillis() / 1000, model);
  }

  /** The same response as another object type (a chunk of it). */
  ResponseHeader as(String otherObject) {
    return new ResponseHeader(id, otherObject, created, model);
  }

  void write(JsonGenerator g) throws IOException {
    g.writeStringField("id", id);
    g.writeStringField("object", object);
    g.writeNumberField("created", created);
    g.writeStringField("model", model);
  }
}
