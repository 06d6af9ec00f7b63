package dev.kernelj.llm.server;

/**
 * What the handlers share: the served model once it is loaded, its metrics, the threads that stream
 * output, and whether the server is draining. Requests that need the model get a 503 while it loads
 * and while the server stops.
 */
final class ServerState {
  private final DeltaPump pump;
  private volatile ServedModel model;
  private volatile ServerMetrics metrics;
  private volatile boolean draining;

  ServerState(DeltaPump pump) {
    this.pump = pump;
  }

  /** The threads that stream the generations' output. */
  DeltaPump pump() {
    return pump;
  }

  void ready(ServedModel m) {
    metrics = new ServerMetrics(m.engine(), m.name());
    model = m;
  }

  void drain() {
    draining = true;
  }

  boolean draining() {
    return draining;
  }

  /** Whether the model is loaded and the server is not stopping. */
  boolean serving() {
    return model != null && !draining;
  }

  /** The loaded model (or null). */
  ServedModel loaded() {
    return model;
  }

  /** The model for a request; a 503 while loading or stopping. */
  ServedModel model() {
    ServedModel m = model;
    if (draining) {
      throw ApiException.unavailable("shutting_down", 5, "the server is shutting down");
    }
    if (m == null) {
      throw ApiException.unavailable("model_loading", 2, "the model is still loading");
    }
    return m;
  }

  ServerMetrics metrics() {
    model();
    return metrics;
  }

  /** 404 unless {@code requested} is absent or names the served model. */
  static void checkModel(String requested, ServedModel m) {
    if (requested != null && !requested.equals(m.name())) {
      throw ApiException.notFound(
          "model_not_found",
          "model",
          "the model `" + requested + "` does not exist; this server serves `" + m.name() + "`");
    }
  }
}
