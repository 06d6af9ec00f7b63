package dev.kernelj.dsl.cuda;

import java.util.List;
import java.util.Objects;

/**
 * The {@code __global__} functions one compiler configuration sees in a CUDA C source, in source
 * order, with what C++ name lookup and the messages about them need: the namespaces, explicit
 * specialisations, macros the source invokes but does not define, and kernels declared in branches
 * the preprocessor skips.
 */
public final class CudaSource {
  private final List<CudaKernel> kernels;
  private final Namespaces namespaces;
  private final List<Specialization> specializations;
  private final List<MacroUse> hiddenMacros;
  private final List<SkippedKernel> skippedKernels;
  private final TypeAliases aliases;

  CudaSource(
      List<CudaKernel> kernels,
      Namespaces namespaces,
      TypeAliases aliases,
      List<Specialization> specializations,
      List<MacroUse> hiddenMacros,
      List<SkippedKernel> skippedKernels) {
    this.kernels = List.copyOf(kernels);
    this.namespaces = namespaces;
    this.aliases = aliases;
    this.specializations = List.copyOf(specializations);
    this.hiddenMacros = List.copyOf(hiddenMacros);
    this.skippedKernels = List.copyOf(skippedKernels);
  }

  /** A source of these kernels and nothing else (for tests and fakes). */
  public CudaSource(List<CudaKernel> kernels) {
    this(kernels, withNamespacesOf(kernels), List.of(), List.of(), List.of());
  }

  private CudaSource(
      List<CudaKernel> kernels,
      Namespaces namespaces,
      List<Specialization> specializations,
      List<MacroUse> hiddenMacros,
      List<SkippedKernel> skippedKernels) {
    this(
        kernels,
        namespaces,
        new TypeAliases(namespaces),
        specializations,
        hiddenMacros,
        skippedKernels);
  }

  private static Namespaces withNamespacesOf(List<CudaKernel> kernels) {
    Namespaces n = new Namespaces();
    for (CudaKernel k : kernels) {
      List<String> path = List.of();
      for (String part : k.namespace()) {
        path = n.enter(path, part, false);
      }
    }
    return n;
  }

  /**
   * Preprocesses and reads CUDA C as nvcc's device pass for sm_80 sees it, without extra options.
   *
   * @throws CudaParseException when the preprocessor rejects the source or a {@code __global__}
   *     declaration cannot be read
   */
  public static CudaSource parse(String source) {
    return parse(source, CompileTarget.nvcc(80, List.of(80), CudaVersion.DEFAULT, List.of()));
  }

  /**
   * Preprocesses and reads CUDA C as {@code target} sees it: conditional groups decided, macros
   * replaced, {@code extern "C"} (single and block form), namespaces, {@code __launch_bounds__},
   * templates, attributes and function bodies understood or skipped. A declaration followed by its
   * definition is one kernel; explicit instantiations and specialisations ({@code template
   * __global__ void f<float>(...)}) are not kernels of their own.
   *
   * @throws CudaParseException when the preprocessor rejects the source (an {@code #error} in live
   *     code, an unbalanced {@code #if}, a malformed {@code #define} or {@code #if} expression) or
   *     a {@code __global__} declaration cannot be read
   * @throws IllegalArgumentException when an option's macro definition is malformed
   */
  public static CudaSource parse(String source, CompileTarget target) {
    return CudaDeclarationParser.parse(source, target.macros());
  }

  /** Every kernel, in source order. */
  public List<CudaKernel> kernels() {
    return kernels;
  }

  /** Every kernel of this name in any namespace (more than one means overloads or namespaces). */
  public List<CudaKernel> named(String name) {
    return kernels.stream().filter(k -> k.name().equals(name)).toList();
  }

  /**
   * The kernels a name expression denotes, by C++ name lookup from the end of the source at global
   * scope (as NVRTC and nvcc look up the expression KernelJ appends): {@code f} finds {@code f} at
   * global scope and in namespaces brought in by using-directives, inline and anonymous namespaces;
   * {@code ns::f} looks in {@code ns} (and its inline namespaces, then its using-directives);
   * {@code ::f} in the global namespace.
   */
  public List<CudaKernel> lookup(NameExpression expression) {
    return namespaces.lookup(
        expression.qualifier(),
        expression.rooted(),
        expression.name(),
        (ns, name) ->
            kernels.stream()
                .filter(k -> k.name().equals(name) && k.namespace().equals(ns))
                .toList());
  }

  /**
   * The parameters of {@code kernel}'s instantiation with {@code templateArgs} ({@link
   * CudaKernel#paramsFor}), an argument that names a type alias read as what it aliases, looked up
   * at global scope from the end of the source, where the name expression is.
   */
  public List<CudaParam> paramsFor(CudaKernel kernel, List<String> templateArgs) {
    return TemplateSubstitution.substitute(
        kernel, templateArgs, t -> aliases.resolve(t, List.of()));
  }

  /**
   * Whether the instantiation of {@code kernel} with {@code templateArgs} has a body: the kernel is
   * defined, or an explicit specialisation for these arguments is.
   */
  public boolean hasBody(CudaKernel kernel, List<String> templateArgs) {
    if (kernel.defined()) {
      return true;
    }
    if (!kernel.isTemplate()) {
      return false;
    }
    String args = String.join(",", templateArgs).replaceAll("\\s+", "");
    return specializations.stream()
        .anyMatch(
            s ->
                s.defined()
                    && s.name().equals(kernel.name())
                    && s.namespace().equals(kernel.namespace())
                    && (s.templateArgs().isEmpty() || s.templateArgs().equals(args)));
  }

  /**
   * Invocations of macros the source does not define, standing where declarations would (a header
   * may define them; KernelJ does not read headers).
   */
  public List<MacroUse> hiddenMacros() {
    return hiddenMacros;
  }

  /** {@code __global__} functions declared in branches the preprocessor skips. */
  public List<SkippedKernel> skippedKernels() {
    return skippedKernels;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CudaSource other
        && kernels.equals(other.kernels)
        && specializations.equals(other.specializations)
        && hiddenMacros.equals(other.hiddenMacros);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kernels, specializations, hiddenMacros);
  }

  @Override
  public String toString() {
    return "CudaSource" + kernels;
  }
}
