package dev.kernelj.runtime.nvrtc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * NVRTC compile options, typed. {@link #toArgs()} is a pure function of the record, so the same
 * options always give the same argument list (the kernel cache hashes it).
 *
 * @param arch {@code sm_XY} (compile to a CUBIN for that GPU) or {@code compute_XY} (compile to PTX
 *     the driver JIT-compiles)
 * @param std the C++ dialect, e.g. {@code c++17}; null for NVRTC's default
 * @param fastMath {@code --use_fast_math}
 * @param lineInfo {@code --generate-line-info}, for profilers
 * @param maxRegisters {@code --maxrregcount}; 0 for no limit
 * @param defines macro definitions; a null or empty value defines the name alone
 * @param includePaths extra {@code --include-path} entries
 * @param extra further options passed verbatim after the typed ones
 */
public record CompileOptions(
    String arch,
    String std,
    boolean fastMath,
    boolean lineInfo,
    int maxRegisters,
    Map<String, String> defines,
    List<String> includePaths,
    List<String> extra) {

  public CompileOptions {
    Objects.requireNonNull(arch, "arch");
    if (!arch.matches("(sm|compute)_\\d+[a-z]?")) {
      throw new IllegalArgumentException(
          "arch must look like sm_90 or compute_90, got '" + arch + "'");
    }
    if (maxRegisters < 0) {
      throw new IllegalArgumentException("maxRegisters must be >= 0, got " + maxRegisters);
    }
    // Sorted so that the argument list, and so the cache key, does not depend on insertion order.
    TreeMap<String, String> sorted = new TreeMap<>();
    if (defines != null) {
      defines.forEach((k, v) -> sorted.put(k, v == null ? "" : v));
    }
    defines = java.util.Collections.unmodifiableMap(sorted);
    includePaths = includePaths == null ? List.of() : List.copyOf(includePaths);
    extra = extra == null ? List.of() : List.copyOf(extra);
  }

  /** Options for {@code arch} with everything else at its default. */
  public static CompileOptions forArch(String arch) {
    return new CompileOptions(arch, null, false, false, 0, Map.of(), List.of(), List.of());
  }

  /** Whether this compiles to a CUBIN (a real architecture) rather than PTX. */
  public boolean producesCubin() {
    return arch.startsWith("sm_");
  }

  public CompileOptions withStd(String newStd) {
    return new CompileOptions(
        arch, newStd, fastMath, lineInfo, maxRegisters, defines, includePaths, extra);
  }

  public CompileOptions withFastMath(boolean on) {
    return new CompileOptions(arch, std, on, lineInfo, maxRegisters, defines, includePaths, extra);
  }

  public CompileOptions withLineInfo(boolean on) {
    return new CompileOptions(arch, std, fastMath, on, maxRegisters, defines, includePaths, extra);
  }

  public CompileOptions withMaxRegisters(int n) {
    return new CompileOptions(arch, std, fastMath, lineInfo, n, defines, includePaths, extra);
  }

  public CompileOptions withDefine(String name, String value) {
    Map<String, String> d = new TreeMap<>(defines);
    d.put(name, value);
    return new CompileOptions(arch, std, fastMath, lineInfo, maxRegisters, d, includePaths, extra);
  }

  public CompileOptions withIncludePath(String path) {
    List<String> p = new ArrayList<>(includePaths);
    p.add(path);
    return new CompileOptions(arch, std, fastMath, lineInfo, maxRegisters, defines, p, extra);
  }

  public CompileOptions withExtra(List<String> more) {
    List<String> e = new ArrayList<>(extra);
    e.addAll(more);
    return new CompileOptions(
        arch, std, fastMath, lineInfo, maxRegisters, defines, includePaths, e);
  }

  /** The arguments for {@code nvrtcCompileProgram}, in a fixed order. */
  public List<String> toArgs() {
    List<String> args = new ArrayList<>();
    args.add("--gpu-architecture=" + arch);
    if (std != null && !std.isBlank()) {
      args.add("--std=" + std);
    }
    if (fastMath) {
      args.add("--use_fast_math");
    }
    if (lineInfo) {
      args.add("--generate-line-info");
    }
    if (maxRegisters > 0) {
      args.add("--maxrregcount=" + maxRegisters);
    }
    defines.forEach(
        (name, value) -> args.add(value.isEmpty() ? "-D" + name : "-D" + name + "=" + value));
    for (String p : includePaths) {
      args.add("--include-path=" + p);
    }
    args.addAll(extra);
    return List.copyOf(args);
  }
}
