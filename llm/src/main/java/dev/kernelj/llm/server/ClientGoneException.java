package dev.kernelj.llm.server;

/** The client closed its connection before the response was done; nothing more can be sent. */
final class ClientGoneException extends RuntimeException {
  ClientGoneException(Throwable cause) {
    super("the client closed the connection", cause);
  }
}
