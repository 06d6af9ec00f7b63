package dev.kernelj.llm.engine;

import dev.kernelj.ops.BackendUnavailableException;
import dev.kernelj.ops.Backends;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.OpsOptions;
import java.util.Locale;
import java.util.function.Consumer;

/** Where the engine runs: {@code --device cuda|cpu|auto}. */
public enum Device {
  /** The CUDA backend; an error when no GPU is usable. */
  CUDA,
  /** The Java reference backend. */
  CPU,
  /** CUDA when a GPU is usable, else the reference backend with a one-line note. */
  AUTO;

  /** Parses {@code cuda}, {@code cpu} or {@code auto} (any case). */
  public static Device parse(String text) {
    try {
      return valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new EngineException("unknown device \"" + text + "\"; use cuda, cpu or auto");
    }
  }

  /**
   * Opens the backend this device names; {@link #AUTO} tells {@code notes} when it falls back to
   * the CPU.
   *
   * @throws EngineException for {@link #CUDA} when no GPU is usable, with the reason
   */
  public Ops open(Consumer<String> notes) {
    return open(notes, OpsOptions.defaults());
  }

  /**
   * As {@link #open(Consumer)}, the CUDA backend with {@code options} (e.g. its batch-invariant
   * kernels; the reference backend is batch-invariant by construction).
   */
  public Ops open(Consumer<String> notes, OpsOptions options) {
    if (this == CPU) {
      return Backends.reference();
    }
    try {
      return Backends.cuda(0, options);
    } catch (BackendUnavailableException e) {
      if (this == CUDA) {
        throw new EngineException(
            "no usable GPU for --device cuda: " + e.getMessage() + " (use --device cpu or auto)");
      }
      notes.accept("no usable GPU (" + e.getMessage() + "); running on the CPU reference backend");
      return Backends.reference();
    }
  }
}
