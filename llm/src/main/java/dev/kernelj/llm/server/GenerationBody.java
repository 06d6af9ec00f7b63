package dev.kernelj.llm.server;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The start every generation endpoint shares: the served model (503 while loading), the body's
 * fields (400 unless a JSON object), the {@code model} check (404) and the sampling fields.
 *
 * @param model the served model
 * @param fields the request body
 * @param params its checked sampling and stopping fields
 */
record GenerationBody(ServedModel model, RequestFields fields, GenerationParams params) {
  static GenerationBody read(Exchange exchange, ServerState state) throws java.io.IOException {
    ServedModel model = state.model();
    return of(model, exchange.json());
  }

  /** {@code body}, already read (or translated from another API's shape), for {@code model}. */
  static GenerationBody of(ServedModel model, JsonNode body) {
    RequestFields f = RequestFields.of(body);
    ServerState.checkModel(f.string("model"), model);
    return new GenerationBody(model, f, GenerationParams.parse(f, model));
  }
}
