package dev.kernelj.processor;

import dev.kernelj.dsl.check.JavaParam;

/**
 * One kernel parameter of a checked method: a Java parameter that matches its CUDA counterpart.
 *
 * @param name the Java parameter's name
 * @param type what it carries; never {@link JavaParam.Unsupported} in a checked method
 * @param offset its offset in the kernel's parameter block ({@code ParamLayout})
 * @param size its size in bytes (8 for pointers)
 */
record KernelParamModel(String name, JavaParam type, int offset, int size) {}
