package dev.kernelj.processor;

import java.util.List;

/**
 * A {@code @Kernel} interface that passed every check: all the launcher writer and the nvcc
 * precompiler need, with no reference to javac's elements so that it stays a plain value.
 *
 * @param packageName the interface's package, empty for the unnamed package
 * @param simpleNames the interface's simple name preceded by those of its enclosing types ({@code
 *     [Outer, Inner]} for {@code Outer.Inner})
 * @param cudaSource the CUDA C text exactly as compiled and embedded
 * @param sha256 lower-case hex SHA-256 of {@code cudaSource} in UTF-8
 * @param options compiler options from {@code @Kernel(options = ...)}
 * @param methods one per kernel method, in declaration order
 */
record KernelInterfaceModel(
    String packageName,
    List<String> simpleNames,
    String cudaSource,
    String sha256,
    List<String> options,
    List<KernelMethodModel> methods) {

  KernelInterfaceModel {
    simpleNames = List.copyOf(simpleNames);
    options = List.copyOf(options);
    methods = List.copyOf(methods);
  }

  /** {@code pkg.Outer.Inner}, as users read it. */
  String qualifiedName() {
    String nested = String.join(".", simpleNames);
    return packageName.isEmpty() ? nested : packageName + "." + nested;
  }

  /**
   * {@code Outer_InnerLauncher}: nested names flattened so that the launcher is a top-level class.
   */
  String launcherSimpleName() {
    return String.join("_", simpleNames) + "Launcher";
  }

  /**
   * {@code Outer$Inner}: the binary name without its package, which is how the runtime names the
   * precompiled resources it looks up beside the interface's class file.
   */
  String binarySimpleName() {
    return String.join("$", simpleNames);
  }
}
