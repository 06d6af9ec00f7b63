package dev.kernelj.processor;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the CUDA compiler: {@code -Akernelj.nvcc}, then {@code KERNELJ_NVCC}, then {@code PATH},
 * then the toolkit's usual home ({@link #WELL_KNOWN}). Remembers every place it looked, for the
 * message when none has it.
 */
final class NvccLocator {
  static final String ENV = "KERNELJ_NVCC";

  /** Where the CUDA toolkit puts nvcc when nothing else says where it is. */
  static final List<Path> WELL_KNOWN = List.of(Path.of("/usr/local/cuda/bin/nvcc"));

  /** The compiler, when found, and every candidate looked at, in order. */
  record Found(Optional<Path> nvcc, List<String> tried) {}

  private NvccLocator() {}

  /**
   * @param option the {@code -Akernelj.nvcc} value, if given
   * @param environment the process environment ({@code KERNELJ_NVCC}, {@code PATH})
   * @param wellKnown the last resorts, normally {@link #WELL_KNOWN}
   */
  static Found locate(
      Optional<String> option, Map<String, String> environment, List<Path> wellKnown) {
    List<String> tried = new ArrayList<>();
    List<Path> candidates = new ArrayList<>();
    option.ifPresent(
        o -> add(candidates, tried, Path.of(o), "-A" + ProcessorOptions.NVCC + "=" + o));
    String env = environment.get(ENV);
    if (env != null && !env.isBlank()) {
      add(candidates, tried, Path.of(env), ENV + "=" + env);
    }
    String path = environment.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isBlank()) {
        add(candidates, tried, Path.of(dir, "nvcc"), null);
      }
    }
    wellKnown.forEach(p -> add(candidates, tried, p, null));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return new Found(Optional.of(candidate), tried);
      }
    }
    return new Found(Optional.empty(), tried);
  }

  private static void add(List<Path> candidates, List<String> tried, Path candidate, String label) {
    candidates.add(candidate);
    tried.add(label != null ? label : candidate.toString());
  }
}
