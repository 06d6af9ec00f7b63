package dev.kernelj.runtime.cuda;

/** A device's compute capability, e.g. 9.0 for Hopper. */
public record ComputeCapability(int major, int minor) {
  /** The real architecture name NVRTC and nvcc take: {@code sm_90}. */
  public String smArch() {
    return "sm_" + major + minor;
  }

  /** The virtual architecture name: {@code compute_90}. */
  public String computeArch() {
    return "compute_" + major + minor;
  }

  /** {@code major * 10 + minor}, e.g. 90. */
  public int number() {
    return major * 10 + minor;
  }

  @Override
  public String toString() {
    return major + "." + minor;
  }
}
