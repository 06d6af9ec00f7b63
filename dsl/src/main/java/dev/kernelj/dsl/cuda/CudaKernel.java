package dev.kernelj.dsl.cuda;

import java.util.List;

/**
 * One {@code __global__} function declared or defined in a CUDA C source.
 *
 * @param name the function's name (without template arguments)
 * @param templateParams empty unless the kernel is a template
 * @param params the parameters in order
 * @param launchBoundsMaxThreads the first argument of {@code __launch_bounds__}, or 0 when absent
 *     or not an integer literal
 * @param externC whether the function has C linkage (no name mangling)
 * @param line the 1-based line of the source where the declaration starts
 * @param declaration the declaration as one line of normalised text (comments removed, white space
 *     folded), for quoting in messages
 */
public record CudaKernel(
    String name,
    List<TemplateParam> templateParams,
    List<CudaParam> params,
    int launchBoundsMaxThreads,
    boolean externC,
    int line,
    String declaration) {

  public CudaKernel {
    templateParams = List.copyOf(templateParams);
    params = List.copyOf(params);
  }

  public boolean isTemplate() {
    return !templateParams.isEmpty();
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
}
