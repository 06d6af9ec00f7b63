package dev.kernelj.llm.server;

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
    RequestFields f = RequestFields.of(exchange.json());
    ServerState.checkModel(f.string("model"), model);
    return new GenerationBody(model, f, GenerationParams.parse(f, model));
  }
}
