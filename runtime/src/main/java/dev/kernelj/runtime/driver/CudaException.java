package dev.kernelj.runtime.driver;

/**
 * A CUDA driver call returned an error. Carries the {@code CUresult} number, its name as {@code
 * cuGetErrorName} gives it (for example {@code CUDA_ERROR_OUT_OF_MEMORY}) and the driver's
 * description, plus which call failed and, where known, on what.
 */
public class CudaException extends RuntimeException {
  private final int code;
  private final String codeName;
  private final String description;
  private final String call;

  public CudaException(int code, String codeName, String description, String call) {
    super(call + " failed: " + codeName + " (" + code + "): " + description);
    this.code = code;
    this.codeName = codeName;
    this.description = description;
    this.call = call;
  }

  /** The {@code CUresult} value. */
  public int code() {
    return code;
  }

  /** The {@code CUresult} name, e.g. {@code CUDA_ERROR_INVALID_VALUE}. */
  public String codeName() {
    return codeName;
  }

  /** The driver's text for the code. */
  public String description() {
    return description;
  }

  /** The failed call with what it concerned, e.g. {@code cuModuleGetFunction(saxpy)}. */
  public String call() {
    return call;
  }
}
