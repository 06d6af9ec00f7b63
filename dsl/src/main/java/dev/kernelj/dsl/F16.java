package dev.kernelj.dsl;

/** Element marker: 16-bit IEEE half (CUDA {@code __half}). */
public final class F16 implements Element {
  private F16() {}
}
