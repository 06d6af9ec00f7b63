package dev.kernelj.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds a method of a {@link Kernel} interface to a {@code __global__} function, and optionally
 * declares launch constraints. Without this annotation a method binds to the function of its own
 * name.
 *
 * <p>For a C++ template, {@link #value()} is the instantiation expression as NVRTC takes it, for
 * example {@code "scale<float>"} or {@code "reduce<float, 256>"}; the processor substitutes the
 * template arguments into the declaration before it checks the Java parameters.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Global {
  /** The function name or template instantiation expression; empty means the method's name. */
  String value() default "";

  /**
   * Largest block (threads per block) this kernel may be launched with; 0 means no limit beyond the
   * device's and the kernel's {@code __launch_bounds__}. Checked before every launch.
   */
  int maxThreadsPerBlock() default 0;

  /**
   * Largest dynamic shared memory, in bytes, a launch may ask for. Above 48 KiB the runtime raises
   * the function's limit once at load ({@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}); 0
   * means the default 48 KiB limit. On a device that gives a block less (99 KiB on sm_86 and sm_89,
   * counting the kernel's static shared memory) the limit is what the device gives: the kernel
   * still loads, and a launch that asks for more is refused. Checked before every launch.
   */
  int maxDynamicSharedBytes() default 0;
}
