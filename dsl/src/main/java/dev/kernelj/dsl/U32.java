package dev.kernelj.dsl;

/** Element marker: unsigned 32-bit integer ({@code unsigned int}, {@code uint32_t}). */
public final class U32 implements Element {
  private U32() {}
}
