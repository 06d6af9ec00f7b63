package dev.kernelj.runtime.cuda;

/**
 * The loaded kernel's parameters, as {@code cuFuncGetParamInfo} reports them, disagree with the
 * Java signature: the interface was compiled against other CUDA C than the module holds. Names the
 * interface, the method and the parameter.
 */
public final class KernelSignatureMismatchException extends RuntimeException {
  public KernelSignatureMismatchException(String message) {
    super(message);
  }
}
