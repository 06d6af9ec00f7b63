package dev.kernelj.dsl.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CUDA toolkit version, as {@code __CUDACC_VER_MAJOR__}, {@code __CUDACC_VER_MINOR__} and {@code
 * __CUDACC_VER_BUILD__} report it.
 */
public record CudaVersion(int major, int minor, int build) {
  /** What the checks assume when no compiler is at hand to ask: the toolkit KernelJ targets. */
  public static final CudaVersion DEFAULT = new CudaVersion(13, 0, 0);

  private static final Pattern RELEASE =
      Pattern.compile("release (\\d+)\\.(\\d+)(?:, V\\d+\\.\\d+\\.(\\d+))?");

  /**
   * The version in {@code nvcc --version} output ({@code release 13.0, V13.0.88}), or {@link
   * #DEFAULT} when there is none.
   */
  public static CudaVersion fromNvccOutput(String text) {
    Matcher m = RELEASE.matcher(text == null ? "" : text);
    if (!m.find()) {
      return DEFAULT;
    }
    return new CudaVersion(
        Integer.parseInt(m.group(1)),
        Integer.parseInt(m.group(2)),
        m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
  }

  /** From NVRTC's {@code nvrtcVersion} pair. */
  public static CudaVersion of(int major, int minor) {
    return new CudaVersion(major, minor, 0);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + build;
  }
}
