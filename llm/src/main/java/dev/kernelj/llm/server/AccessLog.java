package dev.kernelj.llm.server;

import java.util.function.Consumer;

/**
 * One line per request: client, method, path, status, prompt and completion tokens, time to first
 * token and total time; the prompt only with {@code --log-prompts}.
 */
final class AccessLog {
  /** The status logged for a client that left before its response was done (nginx's). */
  static final int CLIENT_CLOSED = 499;

  private final Consumer<String> sink;
  private final boolean logPrompts;

  AccessLog(Consumer<String> sink, boolean logPrompts) {
    this.sink = sink;
    this.logPrompts = logPrompts;
  }

  void log(Exchange exchange, int status) {
    Exchange.AccessRecord r = exchange.record();
    long now = System.nanoTime();
    StringBuilder line = new StringBuilder(160);
    line.append("kernelj: access: ")
        .append(exchange.remote())
        .append(" \"")
        .append(exchange.method())
        .append(' ')
        .append(exchange.path())
        .append("\" ")
        .append(status);
    if (r.promptTokens >= 0) {
      line.append(" prompt_tokens=").append(r.promptTokens);
    }
    if (r.completionTokens >= 0) {
      line.append(" completion_tokens=").append(r.completionTokens);
    }
    if (r.firstTokenNanos != 0) {
      millis(line.append(" ttft_ms="), r.firstTokenNanos - exchange.startNanos());
    }
    millis(line.append(" total_ms="), now - exchange.startNanos());
    if (logPrompts && r.prompt != null) {
      line.append(" prompt=").append(Json.quoted(r.prompt));
    }
    sink.accept(line.toString());
  }

  /**
   * Appends {@code nanos} as milliseconds with one decimal, rounded half up (String.format builds a
   * locale's number symbols on every call: microseconds a line).
   */
  static StringBuilder millis(StringBuilder line, long nanos) {
    long tenths = (Math.max(0, nanos) + 50_000) / 100_000;
    return line.append(tenths / 10).append('.').append(tenths % 10);
  }
}
