package dev.kernelj.ops;

/** A backend cannot be opened on this machine; the message says why in one line. */
public final class BackendUnavailableException extends RuntimeException {
  public BackendUnavailableException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
