package dev.kernelj.dsl;

/** Element marker: unsigned 16-bit integer ({@code uint16_t}, {@code unsigned short}). */
public final class U16 implements Element {
  private U16() {}
}
