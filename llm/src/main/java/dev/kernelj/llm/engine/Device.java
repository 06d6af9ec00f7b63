package dev.kernelj.llm.engine;

import java.util.Locale;

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
}
