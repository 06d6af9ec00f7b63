package dev.kernelj.dsl;

/** Element marker: signed 64-bit integer ({@code long long}, {@code int64_t}). */
public final class I64 implements Element {
  private I64() {}
}
