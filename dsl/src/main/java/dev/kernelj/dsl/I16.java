package dev.kernelj.dsl;

/** Element marker: signed 16-bit integer ({@code int16_t}, {@code short}). */
public final class I16 implements Element {
  private I16() {}
}
