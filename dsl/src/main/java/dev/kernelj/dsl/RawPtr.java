package dev.kernelj.dsl;

/**
 * A bare address with its element type; the runtime's buffers implement the pointer types
 * themselves.
 */
record RawPtr<T extends Element>(long address, DType dtype) implements Ptr<T> {
  @Override
  public String toString() {
    return "Ptr<" + dtype + ">@0x" + Long.toHexString(address);
  }
}
