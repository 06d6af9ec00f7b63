package dev.kernelj.dsl;

/** Element marker: C++ {@code bool} (one byte). */
public final class Bool implements Element {
  private Bool() {}
}
