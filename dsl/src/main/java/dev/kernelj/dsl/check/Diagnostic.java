package dev.kernelj.dsl.check;

/**
 * The kinds of problem a {@code @Kernel} interface can have. Each message starts with its tag in
 * brackets, such as {@code [KernelArity]}, so that users can search for it and tests can assert it.
 */
public enum Diagnostic {
  /**
   * No {@code source} nor {@code resource}, both, a resource that cannot be found, or CUDA C that
   * cannot be parsed.
   */
  SOURCE("KernelSource"),
  /** No {@code __global__} function of the bound name. */
  UNKNOWN_NAME("KernelUnknownName"),
  /**
   * The declaration a binding needs is hidden behind a macro the source does not define (from a
   * header KernelJ does not read), in its place or in its parameter list.
   */
  MACRO("KernelMacro"),
  /** The bound {@code __global__} function is declared but never defined in the source. */
  UNDEFINED("KernelUndefined"),
  /**
   * The bound function differs between the architectures (or compilers) the source is compiled for:
   * its parameters change with {@code __CUDA_ARCH__}, or it exists only for some.
   */
  ARCH("KernelArch"),
  /**
   * Several {@code __global__} functions of the bound name (C++ overloads): the binding is
   * ambiguous.
   */
  OVERLOAD("KernelOverload"),
  /** Two Java methods of one interface with the same name, or bound to the same kernel. */
  DUPLICATE("KernelDuplicate"),
  /**
   * A template kernel bound without template arguments, with the wrong number, or arguments given
   * to a non-template.
   */
  TEMPLATE("KernelTemplate"),
  /** Java and CUDA parameter counts differ. */
  ARITY("KernelArity"),
  /** The parameters match as a set but not in order. */
  ORDER("KernelParamOrder"),
  /**
   * A scalar of another width, signedness or kind (float vs double, int vs long, signed vs
   * unsigned).
   */
  SCALAR_TYPE("KernelScalarType"),
  /**
   * A pointer whose element type differs (float* vs __half*), or a scalar where a pointer is (or
   * the reverse).
   */
  POINTER_ELEMENT("KernelPointerElement"),
  /** Read-only vs writable pointers that disagree with the CUDA {@code const}. */
  CONSTNESS("KernelConstness"),
  /**
   * A Java or CUDA parameter type KernelJ cannot pass (objects, structs, pointers to pointers,
   * ...).
   */
  UNSUPPORTED_TYPE("KernelUnsupportedType"),
  /**
   * A method that does not take a {@code Launch} first or does not return void, or a bad launch
   * constraint.
   */
  METHOD_SHAPE("KernelMethodShape"),
  /** The CUDA compiler rejected the source at build time. */
  COMPILE("KernelCompile"),
  /**
   * The kernel nvcc compiled takes other parameters than the declaration KernelJ checked (its PTX
   * disagrees in count, size or float against integer): the source reads differently to the two.
   */
  COMPILED_PARAMS("KernelCompiledParams");

  private final String tag;

  Diagnostic(String tag) {
    this.tag = tag;
  }

  /** The tag without brackets, e.g. {@code KernelArity}. */
  public String tag() {
    return tag;
  }

  /** {@code "[Tag] " + message}. */
  public String format(String message) {
    return "[" + tag + "] " + message;
  }
}
