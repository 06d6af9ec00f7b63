package dev.kernelj.dsl;

/** Element marker: unsigned 8-bit integer ({@code uint8_t}, {@code unsigned char}). */
public final class U8 implements Element {
  private U8() {}
}
