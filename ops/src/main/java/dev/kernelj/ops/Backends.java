package dev.kernelj.ops;

import dev.kernelj.ops.cuda.CudaOps;
import dev.kernelj.ops.reference.ReferenceOps;

/** Opens the backends behind {@link Ops}, so that callers never name an implementation. */
public final class Backends {
  private Backends() {}

  /** The Java reference backend: host tensors, every op computed by its reference twin. */
  public static Ops reference() {
    return new ReferenceOps();
  }

  /**
   * The CUDA backend on device {@code ordinal}.
   *
   * @throws BackendUnavailableException when no GPU can be used here, with the reason in one line,
   *     e.g. {@code "no usable CUDA device: libcuda cannot be loaded (...)"}
   */
  public static Ops cuda(int ordinal) {
    return cuda(ordinal, OpsOptions.defaults());
  }

  /**
   * The CUDA backend on device {@code ordinal} with {@code options}, e.g. {@code Backends.cuda(0,
   * OpsOptions.batchInvariantMode())} for results that do not depend on the batch ({@link
   * Capabilities#batchInvariant} then says so).
   *
   * @throws BackendUnavailableException when no GPU can be used here, with the reason in one line
   * @throws OpArgumentException when a {@code -Dkernelj...} tuning switch has a value it does not
   *     know
   */
  public static Ops cuda(int ordinal, OpsOptions options) {
    try {
      return CudaOps.open(ordinal, options);
    } catch (OpArgumentException e) {
      throw e; // a bad tuning switch is the caller's to fix, not a missing GPU
    } catch (RuntimeException | LinkageError e) {
      String message = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
      throw new BackendUnavailableException(message.strip().replaceAll("\\s*\\R\\s*", "; "), e);
    }
  }
}
