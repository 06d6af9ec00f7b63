package dev.kernelj.dsl.cuda;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One way a CUDA C source is compiled: by nvcc (its device pass for one architecture) or by NVRTC,
 * for one architecture, with the {@code @Kernel} options. It decides the macros defined before the
 * first line: the compiler's own ({@code __CUDACC__}, {@code __NVCC__} or {@code __CUDACC_RTC__},
 * {@code __CUDA_ARCH__}, {@code __CUDACC_VER_MAJOR__}, {@code __cplusplus}, ...), the CUDA keywords
 * that the toolkit's headers define as macros ({@code __global__}, {@code __device__}, ...), and
 * those the options define or undefine ({@code -D}, {@code -U}, {@code -std}, {@code -G}, ...).
 *
 * @param compiler which compiler
 * @param arch the compute capability as a number ({@code 80} for sm_80); {@code __CUDA_ARCH__} is
 *     ten times it
 * @param version the toolkit version
 * @param archList every architecture the compilation targets ({@code __CUDA_ARCH_LIST__})
 * @param options the compiler options the source is compiled with
 */
public record CompileTarget(
    Compiler compiler,
    int arch,
    CudaVersion version,
    List<Integer> archList,
    List<String> options) {
  /** The two compilers KernelJ compiles with. */
  public enum Compiler {
    /** nvcc at build time; its device pass for one architecture. */
    NVCC,
    /** NVRTC at run time. */
    NVRTC
  }

  /** CUDA keywords that the toolkit's headers define as macros: {@code defined()} sees them. */
  private static final List<String> KEYWORD_MACROS =
      List.of(
          "__global__",
          "__device__",
          "__host__",
          "__shared__",
          "__constant__",
          "__managed__",
          "__forceinline__",
          "__align__",
          "__launch_bounds__",
          "__grid_constant__",
          "__cluster_dims__",
          "__maxnreg__",
          "__thread__",
          "__inline_hint__",
          "__no_return__");

  public CompileTarget {
    archList = List.copyOf(archList);
    options = List.copyOf(options);
  }

  /** nvcc's device pass for {@code arch}, in a build for {@code archList}. */
  public static CompileTarget nvcc(
      int arch, List<Integer> archList, CudaVersion version, List<String> options) {
    return new CompileTarget(Compiler.NVCC, arch, version, archList, options);
  }

  /** NVRTC compiling for {@code arch}. */
  public static CompileTarget nvrtc(int arch, CudaVersion version, List<String> options) {
    return new CompileTarget(Compiler.NVRTC, arch, version, List.of(arch), options);
  }

  /** {@code sm_80}, or {@code sm_80 (NVRTC)}, as messages name the target. */
  public String label() {
    return "sm_" + arch + (compiler == Compiler.NVRTC ? " (NVRTC)" : "");
  }

  /**
   * Every macro defined before the source's first line, by name, with its definition as {@code
   * #define} would spell it.
   *
   * @throws IllegalArgumentException when an option's macro definition is malformed
   */
  public Map<String, String> predefinedSpellings() {
    return macros().values().stream()
        .collect(
            Collectors.toMap(Macro::name, Macro::spelling, (a, b) -> b, java.util.TreeMap::new));
  }

  /** The predefined macros as the preprocessor takes them. */
  Map<String, Macro> macros() {
    Map<String, Macro> m = new LinkedHashMap<>();
    for (String keyword : KEYWORD_MACROS) {
      m.put(keyword, Macro.predefined(keyword, keyword));
    }
    put(m, "__CUDACC__", "1");
    put(m, "__CUDA_ARCH__", Integer.toString(arch * 10));
    put(m, "__CUDACC_VER_MAJOR__", Integer.toString(version.major()));
    put(m, "__CUDACC_VER_MINOR__", Integer.toString(version.minor()));
    put(m, "__CUDACC_VER_BUILD__", Integer.toString(version.build()));
    put(m, "__CUDA_API_VER_MAJOR__", Integer.toString(version.major()));
    put(m, "__CUDA_API_VER_MINOR__", Integer.toString(version.minor()));
    put(m, "__cplusplus", "201703L");
    if (compiler == Compiler.NVCC) {
      put(m, "__NVCC__", "1");
      put(
          m,
          "__CUDA_ARCH_LIST__",
          archList.stream().map(a -> Integer.toString(a * 10)).collect(Collectors.joining(",")));
      put(m, "CUDA_DOUBLE_MATH_FUNCTIONS", "1");
      put(m, "__NVCC_DIAG_PRAGMA_SUPPORT__", "1");
      put(m, "__CUDACC_DEVICE_ATOMIC_BUILTINS__", "1");
      // nvcc includes cuda_runtime.h before the source, which defines the runtime's version.
      put(m, "CUDART_VERSION", Integer.toString(version.major() * 1000 + version.minor() * 10));
      put(m, "__linux__", "1");
      put(m, "__x86_64__", "1");
      put(m, "__LP64__", "1");
      put(m, "__CHAR_BIT__", "8");
      put(m, "__SIZEOF_POINTER__", "8");
      put(m, "__SIZEOF_LONG__", "8");
    } else {
      put(m, "__CUDACC_RTC__", "1");
    }
    CompilerOptions.apply(options, compiler, m);
    return m;
  }

  private static void put(Map<String, Macro> m, String name, String value) {
    m.put(name, Macro.predefined(name, value));
  }
}
