package dev.kernelj.runtime.nvrtc;

/**
 * An NVRTC call failed; carries the {@code nvrtcResult} and its name from {@code
 * nvrtcGetErrorString}.
 */
public class NvrtcException extends RuntimeException {
  private final int code;
  private final String codeName;

  public NvrtcException(int code, String codeName, String message) {
    super(message);
    this.code = code;
    this.codeName = codeName;
  }

  /**
   * The exception for a failed {@code call}: {@code "nvrtcGetCUBIN failed: NVRTC_ERROR_... (n)"}.
   */
  public static NvrtcException forCall(int code, String codeName, String call) {
    return new NvrtcException(code, codeName, call + " failed: " + codeName + " (" + code + ")");
  }

  /** The {@code nvrtcResult} value. */
  public int code() {
    return code;
  }

  /** e.g. {@code NVRTC_ERROR_COMPILATION}. */
  public String codeName() {
    return codeName;
  }
}
