package dev.kernelj.dsl.cuda;

import java.util.List;

/**
 * One {@code __global__} function declared or defined in a CUDA C source, as the compiler sees it
 * after preprocessing.
 *
 * @param name the function's name (without namespaces or template arguments)
 * @param namespace the namespaces it is declared in, outermost first; an anonymous namespace is the
 *     empty string
 * @param templateParams empty unless the kernel is a template
 * @param params the parameters in order
 * @param launchBoundsMaxThreads the first argument of {@code __launch_bounds__}, or 0 when absent
 *     or not an integer literal
 * @param externC whether the function has C linkage (no name mangling)
 * @param defined whether the source gives it a body (a declaration alone has no code to launch)
 * @param line the 1-based line of the source where the declaration starts (of the macro's
 *     invocation when a macro produced it)
 * @param declaration the declaration as one line of normalised text (comments removed, white space
 *     folded, macros replaced), for quoting in messages
 * @param macro the macro whose expansion produced the declaration, empty when it is written out
 * @param hiddenMacros macros its parameter list invokes that the source does not define (from a
 *     header KernelJ does not read), behind which parameters may be hidden; and unknown types
 *     standing alone as a parameter, which may be such macros
 */
public record CudaKernel(
    String name,
    List<String> namespace,
    List<TemplateParam> templateParams,
    List<CudaParam> params,
    int launchBoundsMaxThreads,
    boolean externC,
    boolean defined,
    int line,
    String declaration,
    String macro,
    List<String> hiddenMacros) {

  public CudaKernel {
    namespace = List.copyOf(namespace);
    templateParams = List.copyOf(templateParams);
    params = List.copyOf(params);
    hiddenMacros = List.copyOf(hiddenMacros);
  }

  /** A defined kernel at global scope, written out without macros. */
  public CudaKernel(
      String name,
      List<TemplateParam> templateParams,
      List<CudaParam> params,
      int launchBoundsMaxThreads,
      boolean externC,
      int line,
      String declaration) {
    this(
        name,
        List.of(),
        templateParams,
        params,
        launchBoundsMaxThreads,
        externC,
        true,
        line,
        declaration,
        "",
        List.of());
  }

  public boolean isTemplate() {
    return !templateParams.isEmpty();
  }

  /** {@code f32::scale}, {@code (anonymous namespace)::k}, or the plain name at global scope. */
  public String qualifiedName() {
    return Namespaces.spell(namespace, name);
  }

  /**
   * The parameters of the instantiation with these template arguments: each type template parameter
   * used as a parameter's base type is replaced ({@code const T*} with {@code T = float} becomes
   * {@code const float*}); parameters past the arguments given take their defaults. Types that
   * merely mention a template parameter ({@code Vec<T>}) are left as written.
   *
   * @throws IllegalArgumentException when more arguments are given than the template takes
   */
  public List<CudaParam> paramsFor(List<String> templateArgs) {
    return TemplateSubstitution.substitute(this, templateArgs);
  }

  /** This kernel merged with another declaration of the same function. */
  CudaKernel mergedWith(CudaKernel other) {
    return new CudaKernel(
        name,
        namespace,
        templateParams,
        params,
        launchBoundsMaxThreads != 0 ? launchBoundsMaxThreads : other.launchBoundsMaxThreads,
        externC || other.externC,
        defined || other.defined,
        line,
        declaration,
        macro,
        hiddenMacros.isEmpty() ? other.hiddenMacros : hiddenMacros);
  }
}
