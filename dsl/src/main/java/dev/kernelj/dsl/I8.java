package dev.kernelj.dsl;

/** Element marker: signed 8-bit integer ({@code int8_t}, {@code signed char}). */
public final class I8 implements Element {
  private I8() {}
}
