package dev.kernelj.dsl;

/** Element marker: 32-bit IEEE float (C {@code float}). */
public final class F32 implements Element {
  private F32() {}
}
