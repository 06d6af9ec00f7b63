package dev.kernelj.dsl;

/** Element marker: 64-bit IEEE float (C {@code double}). */
public final class F64 implements Element {
  private F64() {}
}
