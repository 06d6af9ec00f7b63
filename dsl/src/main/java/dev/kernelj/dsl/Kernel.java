package dev.kernelj.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface whose methods launch CUDA C {@code __global__} functions.
 *
 * <p>The CUDA C comes either inline ({@link #source()}, usually a text block) or from a resource
 * file beside the interface ({@link #resource()}, resolved against the interface's package like
 * {@link Class#getResource}). Exactly one of the two must be given.
 *
 * <p>Every method takes a {@link Launch} first, then one Java parameter per CUDA parameter, and
 * returns {@code void}. The annotation processor checks each method against the CUDA declaration it
 * binds to (see {@link Global}) and generates {@code <Interface>Launcher}, whose {@code load(...)}
 * returns a ready implementation.
 *
 * <pre>{@code
 * @Kernel(source = """
 *     extern "C" __global__ void saxpy(int n, float a, const float* x, float* y) {
 *       int i = blockIdx.x * blockDim.x + threadIdx.x;
 *       if (i < n) y[i] = a * x[i] + y[i];
 *     }
 *     """)
 * interface Saxpy {
 *   void saxpy(Launch launch, int n, float a, ConstPtr<F32> x, Ptr<F32> y);
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Kernel {
  /**
   * CUDA C source text, usually one text block; several parts are joined in order. A Java string
   * constant holds at most 65,535 bytes of UTF-8 in a class file, so a source longer than that
   * comes as several parts ({@code source = {A.SOURCE + B.SOURCE, C.SOURCE}}), each shorter. Empty
   * when {@link #resource()} is used.
   */
  String[] source() default {};

  /**
   * Resource file holding the CUDA C, relative to the interface's package (or absolute with '/').
   */
  String resource() default "";

  /**
   * Extra compiler options, passed to NVRTC and nvcc alike (for example {@code -use_fast_math}).
   * The compile-time check honours those that change what the preprocessor sees: {@code -D}, {@code
   * -U}, {@code -std}, {@code -G}, {@code -rdc=true}.
   */
  String[] options() default {};

  /**
   * Macros defined for the CUDA C: {@code "NAME"} (defined as 1), {@code "NAME=value"} or {@code
   * "NAME(x)=body"}. Each reaches nvcc and NVRTC as a {@code -D} option after {@link #options()},
   * and the compile-time check reads the source through the same definitions, so a kernel declared
   * under {@code #ifdef NAME} or through a macro is checked as the compiler sees it.
   */
  String[] defines() default {};
}
