package dev.kernelj.dsl.cuda;

import java.util.List;

/**
 * An explicit specialisation of a {@code __global__} template ({@code template <> __global__ void
 * f<float>(float*) {...}}): not a kernel of its own, but it gives {@code f<float>} a body even when
 * the primary template is only declared.
 *
 * @param namespace where it is declared, as {@link CudaKernel#namespace}
 * @param name the template's name
 * @param templateArgs its template arguments with white space removed, empty when deduced from the
 *     parameters
 * @param defined whether it has a body
 */
record Specialization(List<String> namespace, String name, String templateArgs, boolean defined) {}
