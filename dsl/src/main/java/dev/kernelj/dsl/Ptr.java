package dev.kernelj.dsl;

/**
 * A device address of elements of type {@code T} that a kernel may write: it matches a CUDA
 * parameter declared {@code T*} without {@code const} on the pointee.
 */
public interface Ptr<T extends Element> extends ConstPtr<T> {
  /**
   * A writable device pointer at a raw address; for interop with memory KernelJ did not allocate.
   */
  static <T extends Element> Ptr<T> ofAddress(long address, Class<T> element) {
    return new RawPtr<>(address, DType.of(element));
  }
}
