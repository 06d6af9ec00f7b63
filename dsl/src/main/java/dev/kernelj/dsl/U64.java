package dev.kernelj.dsl;

/**
 * Element marker: unsigned 64-bit integer ({@code unsigned long long}, {@code uint64_t}, {@code
 * size_t}).
 */
public final class U64 implements Element {
  private U64() {}
}
