package dev.kernelj.runtime.blas;

/** A cuBLAS or cuBLASLt call failed; carries the {@code cublasStatus_t} value and name. */
public final class CublasException extends RuntimeException {
  private final int status;
  private final String statusName;

  public CublasException(int status, String statusName, String call) {
    super(call + " failed: " + statusName + " (" + status + ")");
    this.status = status;
    this.statusName = statusName;
  }

  public int status() {
    return status;
  }

  /** e.g. {@code CUBLAS_STATUS_INVALID_VALUE}. */
  public String statusName() {
    return statusName;
  }
}
