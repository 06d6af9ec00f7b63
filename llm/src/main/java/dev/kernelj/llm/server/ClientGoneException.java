package dev.kernelj.llm.server;

import org.eclipse.jetty.io.QuietException;

/**
 * The client closed its connection before the response was done; nothing more can be sent. Quiet:
 * Jetty does not log it as a server failure.
 */
final class ClientGoneException extends RuntimeException implements QuietException {
  ClientGoneException(Throwable cause) {
    super("the client closed the connection", cause);
  }
}
