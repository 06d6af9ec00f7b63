package dev.kernelj.runtime.nvrtc;

import java.util.Arrays;
import java.util.Map;

/**
 * What NVRTC produced for one program: the binary (a CUBIN, or NUL-terminated PTX), and the lowered
 * (mangled) symbol of each name expression that was registered.
 *
 * @param binary the image for {@code cuModuleLoadData}
 * @param cubin true for a CUBIN, false for PTX
 * @param loweredNames name expression to symbol, e.g. {@code "scale<float>" -> "_Z5scaleIfEvPT_i"}
 * @param log the compiler log (warnings); empty when loaded from the cache
 */
public record CompiledProgram(
    byte[] binary, boolean cubin, Map<String, String> loweredNames, String log) {
  public CompiledProgram {
    binary = binary.clone();
    loweredNames = Map.copyOf(loweredNames);
    log = log == null ? "" : log;
  }

  @Override
  public byte[] binary() {
    return binary.clone();
  }

  /** The lowered symbol for {@code nameExpression}, or null. */
  public String lowered(String nameExpression) {
    return loweredNames.get(nameExpression);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CompiledProgram p
        && cubin == p.cubin
        && Arrays.equals(binary, p.binary)
        && loweredNames.equals(p.loweredNames);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(binary) * 31 + loweredNames.hashCode();
  }

  @Override
  public String toString() {
    return "CompiledProgram["
        + (cubin ? "cubin" : "ptx")
        + ", "
        + binary.length
        + " bytes, "
        + loweredNames
        + "]";
  }
}
