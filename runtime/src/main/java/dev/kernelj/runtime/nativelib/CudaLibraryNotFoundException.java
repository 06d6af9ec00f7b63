package dev.kernelj.runtime.nativelib;

import java.util.List;

/**
 * A native library (libcuda, libnvrtc, libcublas, libcublasLt) could not be loaded. The message
 * lists every name and path tried, each with the reason it failed, and how to point KernelJ at the
 * right file.
 */
public final class CudaLibraryNotFoundException extends RuntimeException {
  /** One failed try: what was handed to the loader and why it failed. */
  public record Attempt(String candidate, String reason) {}

  private final String library;
  private final List<Attempt> attempts;

  public CudaLibraryNotFoundException(LibrarySpec spec, List<Attempt> attempts) {
    super(message(spec, attempts));
    this.library = spec.displayName();
    this.attempts = List.copyOf(attempts);
  }

  /** The library's display name, e.g. {@code "CUDA driver (libcuda)"}. */
  public String library() {
    return library;
  }

  /** Every try in order. */
  public List<Attempt> attempts() {
    return attempts;
  }

  private static String message(LibrarySpec spec, List<Attempt> attempts) {
    StringBuilder sb = new StringBuilder();
    sb.append("Could not load the ")
        .append(spec.displayName())
        .append("; tried ")
        .append(attempts.size())
        .append(attempts.size() == 1 ? " candidate:" : " candidates:");
    for (Attempt a : attempts) {
      sb.append("\n  - ").append(a.candidate()).append(": ").append(a.reason());
    }
    sb.append("\nTo use a library elsewhere, ").append(spec.howToOverride()).append('.');
    return sb.toString();
  }
}
