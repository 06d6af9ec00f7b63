package dev.kernelj.dsl;

/**
 * Something that names a CUDA stream: the runtime's stream class implements it. The DSL knows only
 * the raw handle, so that it stays free of the runtime.
 */
public interface StreamRef {
  /** The CUstream handle; 0 is the legacy default stream. */
  long streamHandle();

  /** The legacy default stream. */
  StreamRef DEFAULT = () -> 0L;
}
