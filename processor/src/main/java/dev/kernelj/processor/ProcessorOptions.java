package dev.kernelj.processor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code -A} options the processor reads.
 *
 * @param nvcc {@code -Akernelj.nvcc=<path>}: the CUDA compiler to use, when given
 * @param precompile false when {@code -Akernelj.precompile=off}
 * @param archs {@code -Akernelj.archs=80,90}: compute capabilities to build binaries for,
 *     ascending; the highest also gets PTX so that newer GPUs can JIT it
 */
record ProcessorOptions(Optional<String> nvcc, boolean precompile, List<Integer> archs) {
  static final String NVCC = "kernelj.nvcc";
  static final String PRECOMPILE = "kernelj.precompile";
  static final String ARCHS = "kernelj.archs";
  static final Set<String> ALL = Set.of(NVCC, PRECOMPILE, ARCHS);
  static final List<Integer> DEFAULT_ARCHS = List.of(80, 90);

  ProcessorOptions {
    archs = List.copyOf(archs);
  }

  /**
   * Reads the options javac was given.
   *
   * @throws IllegalArgumentException naming the option and what it accepts when a value is
   *     malformed
   */
  static ProcessorOptions parse(Map<String, String> options) {
    Optional<String> nvcc = Optional.ofNullable(options.get(NVCC)).filter(s -> !s.isBlank());
    String precompile = options.getOrDefault(PRECOMPILE, "on").trim();
    if (!precompile.equals("on") && !precompile.equals("off")) {
      throw new IllegalArgumentException(
          "-A" + PRECOMPILE + "=" + precompile + " must be on or off");
    }
    String archs = options.get(ARCHS);
    return new ProcessorOptions(
        nvcc, precompile.equals("on"), archs == null ? DEFAULT_ARCHS : parseArchs(archs));
  }

  private static List<Integer> parseArchs(String text) {
    List<Integer> archs = new ArrayList<>();
    for (String part : text.split(",")) {
      String arch = part.trim();
      if (!arch.matches("[1-9][0-9]{1,2}")) {
        throw new IllegalArgumentException(
            "-A"
                + ARCHS
                + "="
                + text
                + " must list compute capabilities as two or three digits, for example 80,90 (got \""
                + arch
                + "\")");
      }
      archs.add(Integer.parseInt(arch));
    }
    return archs.stream().distinct().sorted().toList();
  }
}
