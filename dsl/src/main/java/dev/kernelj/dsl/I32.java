package dev.kernelj.dsl;

/** Element marker: signed 32-bit integer ({@code int}, {@code int32_t}). */
public final class I32 implements Element {
  private I32() {}
}
