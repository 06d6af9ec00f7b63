package dev.kernelj.dsl;

/**
 * A device address of elements of type {@code T} that a kernel only reads: it matches a CUDA
 * parameter declared {@code const T*} (or {@code T const*}). A writable {@link Ptr} is a {@code
 * ConstPtr} too, so a writable buffer can always be passed where reading is enough.
 */
public interface ConstPtr<T extends Element> {
  /** The device virtual address (CUdeviceptr). */
  long address();

  /** The element type, known at run time so that dynamic launches can be checked too. */
  DType dtype();

  /**
   * A read-only device pointer at a raw address; for interop with memory KernelJ did not allocate.
   */
  static <T extends Element> ConstPtr<T> ofAddress(long address, Class<T> element) {
    return new RawPtr<>(address, DType.of(element));
  }
}
