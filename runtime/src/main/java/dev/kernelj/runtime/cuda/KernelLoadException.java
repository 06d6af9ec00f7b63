package dev.kernelj.runtime.cuda;

/**
 * The kernels of a {@code @Kernel} interface could not be built or loaded; the message names the
 * interface.
 */
public final class KernelLoadException extends RuntimeException {
  public KernelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
