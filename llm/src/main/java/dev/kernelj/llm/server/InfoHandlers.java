package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/**
 * The small read-only endpoints: {@code GET /health} (200 once the model is loaded, 503 while it
 * loads or the server stops), {@code GET /v1/models} and {@code /v1/models/{id}}, and {@code GET
 * /metrics} (Prometheus text).
 */
final class InfoHandlers {
  private static final String MODELS = "/v1/models";

  private final ServerState state;

  InfoHandlers(ServerState state) {
    this.state = state;
  }

  void health(Exchange exchange) throws IOException {
    int status = state.serving() ? 200 : 503;
    exchange.send(status, "text/plain; charset=utf-8", new byte[0]);
  }

  void models(Exchange exchange) throws IOException {
    ServedModel model = state.model();
    exchange.sendJson(
        200,
        Json.bytes(
            g -> {
              g.writeStartObject();
              g.writeStringField("object", "list");
              g.writeArrayFieldStart("data");
              writeModel(g, model);
              g.writeEndArray();
              g.writeEndObject();
            }));
  }

  void model(Exchange exchange) throws IOException {
    ServedModel model = state.model();
    // A slash in the id comes encoded from clients that encode path parameters (openai-node);
    // Jetty decodes the rest of the path but leaves %2F, which would split it.
    String id = exchange.path().substring(MODELS.length() + 1).replaceAll("%2[Ff]", "/");
    ServerState.checkModel(id, model);
    exchange.sendJson(200, Json.bytes(g -> writeModel(g, model)));
  }

  private static void writeModel(JsonGenerator g, ServedModel model) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", model.name());
    g.writeStringField("object", "model");
    g.writeNumberField("created", model.createdSeconds());
    g.writeStringField("owned_by", "kernelj");
    g.writeStringField("root", model.name());
    g.writeNumberField("max_model_len", model.engine().maxModelLength());
    g.writeEndObject();
  }

  void metrics(Exchange exchange) throws IOException {
    ServerMetrics metrics = state.metrics();
    exchange.send(200, metrics.contentType(), metrics.scrape());
  }
}
