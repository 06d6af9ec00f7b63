package dev.kernelj.llm.server;

import java.util.function.Consumer;

/**
 * How the HTTP server listens and behaves.
 *
 * @param host address to bind ({@code 127.0.0.1} keeps it local; {@code 0.0.0.0} for all)
 * @param port port to bind; 0 picks a free one (see {@link OpenAiServer#port()})
 * @param apiKey when set, every endpoint but {@code /health} wants {@code Authorization: Bearer
 *     <key>}
 * @param maxBodyBytes largest request body; a larger one gets 413
 * @param logPrompts whether access lines include the prompt text
 * @param graceMillis on shutdown, how long in-flight requests may take to finish before they are
 *     aborted
 * @param maxThreads most HTTP threads: they read requests and write whole answers and the ends of
 *     streams; a request holds none while the engine works on it ({@link ChoiceResponder})
 * @param streamThreads threads that read the engine's output and write the streams ({@link
 *     DeltaPump})
 * @param log receives the access lines and the server's notes (one line each)
 */
public record ServerConfig(
    String host,
    int port,
    String apiKey,
    int maxBodyBytes,
    boolean logPrompts,
    long graceMillis,
    int maxThreads,
    int streamThreads,
    Consumer<String> log) {
  public static final int DEFAULT_MAX_BODY_BYTES = 32 << 20;
  public static final long DEFAULT_GRACE_MILLIS = 30_000;
  public static final int DEFAULT_MAX_THREADS = 1024;

  public ServerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not in [0, 65535]");
    }
    if (maxBodyBytes < 1 || graceMillis < 0 || maxThreads < 8 || streamThreads < 1) {
      throw new IllegalArgumentException(
          "max body bytes "
              + maxBodyBytes
              + " must be >= 1, grace "
              + graceMillis
              + " ms >= 0, max threads "
              + maxThreads
              + " >= 8, stream threads "
              + streamThreads
              + " >= 1");
    }
    apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey;
  }

  /**
   * Local, port 8000, no key, 32 MiB bodies, prompts unlogged, 30 s grace, stream threads by the
   * cores ({@link DeltaPump#defaultThreads}), to stderr.
   */
  public static ServerConfig defaults() {
    return new ServerConfig(
        "127.0.0.1",
        8000,
        null,
        DEFAULT_MAX_BODY_BYTES,
        false,
        DEFAULT_GRACE_MILLIS,
        DEFAULT_MAX_THREADS,
        DeltaPump.defaultThreads(),
        System.err::println);
  }

  public ServerConfig withHost(String h) {
    return new ServerConfig(
        h, port, apiKey, maxBodyBytes, logPrompts, graceMillis, maxThreads, streamThreads, log);
  }

  public ServerConfig withPort(int p) {
    return new ServerConfig(
        host, p, apiKey, maxBodyBytes, logPrompts, graceMillis, maxThreads, streamThreads, log);
  }

  public ServerConfig withApiKey(String k) {
    return new ServerConfig(
        host, port, k, maxBodyBytes, logPrompts, graceMillis, maxThreads, streamThreads, log);
  }

  public ServerConfig withMaxBodyBytes(int b) {
    return new ServerConfig(
        host, port, apiKey, b, logPrompts, graceMillis, maxThreads, streamThreads, log);
  }

  public ServerConfig withLogPrompts(boolean l) {
    return new ServerConfig(
        host, port, apiKey, maxBodyBytes, l, graceMillis, maxThreads, streamThreads, log);
  }

  public ServerConfig withGraceMillis(long g) {
    return new ServerConfig(
        host, port, apiKey, maxBodyBytes, logPrompts, g, maxThreads, streamThreads, log);
  }

  public ServerConfig withMaxThreads(int t) {
    return new ServerConfig(
        host, port, apiKey, maxBodyBytes, logPrompts, graceMillis, t, streamThreads, log);
  }

  public ServerConfig withStreamThreads(int t) {
    return new ServerConfig(
        host, port, apiKey, maxBodyBytes, logPrompts, graceMillis, maxThreads, t, log);
  }

  public ServerConfig withLog(Consumer<String> l) {
    return new ServerConfig(
        host, port, apiKey, maxBodyBytes, logPrompts, graceMillis, maxThreads, streamThreads, l);
  }
}
