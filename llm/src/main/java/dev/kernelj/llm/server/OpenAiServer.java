package dev.kernelj.llm.server;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The OpenAI-compatible HTTP server: Jetty 12 core (no servlets), one route table, one dispatcher.
 * {@link #start} listens at once ({@code /health} answers 503 while the model loads); {@link
 * #ready} puts the model behind the routes; {@link #shutdown} drains: new requests get 503, the
 * listening socket closes, requests in flight get the grace period to finish before the engine
 * cancels them, then Jetty stops.
 *
 * <pre>{@code
 * try (OpenAiServer server = new OpenAiServer(ServerConfig.defaults().withPort(0))) {
 *   server.start();
 *   server.ready(ServedModel.of("tiny", ServingEngineFactory.SERIAL.open(dir, options)));
 *   ... // http://127.0.0.1:<server.port()>/v1/chat/completions
 * }
 * }</pre>
 */
public final class OpenAiServer implements AutoCloseable {
  /**
   * Connections the listening socket queues before they are accepted (Linux caps it at
   * net.core.somaxconn, 4096 by default).
   */
  static final int ACCEPT_QUEUE = 4096;

  /** After the grace period, how long handlers get to write their last bytes. */
  private static final long WRITE_OUT_MILLIS = 5_000;

  private final ServerConfig config;
  private final DeltaPump pump;
  private final ServerState state;
  private final Server jetty;
  private final PeekingServerConnector connector;
  private final ApiDispatcher dispatcher;
  private boolean stopped;

  public OpenAiServer(ServerConfig config) {
    this.config = config;
    this.pump = new DeltaPump(config.streamThreads());
    this.state = new ServerState(pump);
    QueuedThreadPool threads = new QueuedThreadPool(config.maxThreads(), 8);
    threads.setName("kernelj-http");
    threads.setDaemon(true);
    jetty = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    // Jetty's per-connection cache of request header fields (a trie of 1,024 entries) cost each
    // new connection ~18 KB here; it pays for clients that repeat many headers over long-lived
    // connections, not for a burst of new connections that send a few.
    http.setHeaderCacheSize(0);
    // Paths as clients build them: %2F in a model name (openai-node encodes the id of
    // models.retrieve("org/model")), and an empty segment from a base URL with a trailing slash
    // (//v1/...). Exchange.path folds the latter away.
    http.setUriCompliance(
        UriCompliance.DEFAULT.with(
            "kernelj",
            UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
            UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT));
    connector = new PeekingServerConnector(jetty, new HttpConnectionFactory(http));
    connector.setHost(config.host());
    connector.setPort(config.port());
    connector.setIdleTimeout(TimeUnit.MINUTES.toMillis(2));
    // Room for a burst of connections: Java's default listen backlog is 50, and a SYN beyond it is
    // dropped and resent by the client after 1 s, then 3 s: 500 clients connecting at once waited
    // seconds before their requests reached the server (the kernel caps this at somaxconn).
    connector.setAcceptQueueSize(ACCEPT_QUEUE);
    jetty.addConnector(connector);
    jetty.setStopTimeout(1000);
    jetty.setErrorHandler(new JsonErrorHandler());
    dispatcher = new ApiDispatcher(routes(), config);
    jetty.setHandler(dispatcher);
  }

  private Routes routes() {
    InfoHandlers info = new InfoHandlers(state);
    TokenizeHandlers tokens = new TokenizeHandlers(state);
    return new Routes()
        .get("/health", info::health)
        .get("/v1/models", info::models)
        .get("/v1/models/*", info::model)
        .get("/metrics", info::metrics)
        .post("/v1/chat/completions", new ChatCompletionsHandler(state, config.logPrompts()))
        .post("/v1/completions", new CompletionsHandler(state, config.logPrompts()))
        .post("/v1/responses", new ResponsesHandler(state, config.logPrompts()))
        .post("/tokenize", tokens::tokenize)
        .post("/detokenize", tokens::detokenize);
  }

  /** Starts listening; {@code /health} answers 503 until {@link #ready}. */
  public void start() throws IOException {
    try {
      jetty.start();
    } catch (IOException e) {
      stopQuietly();
      throw new IOException(
          "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
    } catch (Exception e) {
      stopQuietly();
      throw new IllegalStateException("the HTTP server failed to start: " + e, e);
    }
  }

  /** Serves {@code model} from now on. */
  public void ready(ServedModel model) {
    state.ready(model);
  }

  /** The port listened on (the one picked when the config said 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** {@code http://host:port}. */
  public String url() {
    String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return "http://" + host + ":" + port();
  }

  /**
   * Stops gracefully (see the class comment); returns once Jetty has stopped. The engine is shut
   * down but not closed: its owner closes it.
   */
  public synchronized void shutdown() {
    if (stopped) {
      return;
    }
    stopped = true;
    state.drain();
    connector.close(); // no new connections; open ones get 503 on new requests
    ServedModel model = state.loaded();
    if (model != null) {
      model.engine().shutdown(config.graceMillis());
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WRITE_OUT_MILLIS);
    while (dispatcher.inFlight() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    // What is still connected now are clients' idle keep-alive connections (an OpenAI SDK keeps a
    // pool of them) and answers past the write-out time: Jetty's graceful stop would wait its stop
    // timeout for them to close and then report the stop as failed.
    for (EndPoint endPoint : connector.getConnectedEndPoints()) {
      endPoint.close();
    }
    stopQuietly();
  }

  private void stopQuietly() {
    try {
      jetty.stop();
    } catch (Exception e) {
      config.log().accept("kernelj: note: the HTTP server did not stop cleanly: " + e);
    } finally {
      pump.close();
    }
  }

  @Override
  public void close() {
    shutdown();
  }
}
