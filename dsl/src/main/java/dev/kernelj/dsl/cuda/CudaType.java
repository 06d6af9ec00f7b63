package dev.kernelj.dsl.cuda;

/**
 * The type of one {@code __global__} parameter as written in CUDA C, with qualifiers separated out.
 *
 * @param base the type name without cv-qualifiers, {@code __restrict__}, {@code *} or {@code &},
 *     white space folded to single spaces: {@code "float"}, {@code "unsigned int"}, {@code
 *     "__half"}, {@code "int64_t"}, or a template parameter such as {@code "T"}
 * @param pointeeConst for a pointer, whether the pointed-to element is const ({@code const T*} or
 *     {@code T const*}); for a scalar or a reference, whether the value is const
 * @param pointerLevel 0 for a scalar, 1 for {@code T*}, 2 for {@code T**}
 * @param restrict whether the pointer is {@code __restrict__}
 * @param reference whether the parameter is a C++ reference ({@code T&} or {@code T&&})
 */
public record CudaType(
    String base, boolean pointeeConst, int pointerLevel, boolean restrict, boolean reference) {
  public CudaType(String base, boolean pointeeConst, int pointerLevel, boolean restrict) {
    this(base, pointeeConst, pointerLevel, restrict, false);
  }

  public boolean isPointer() {
    return pointerLevel > 0;
  }

  /** This type with {@code base} replaced, used to substitute template arguments. */
  public CudaType withBase(String newBase) {
    return new CudaType(newBase, pointeeConst, pointerLevel, restrict, reference);
  }

  /** C spelling, for messages: {@code const float*}, {@code unsigned int}, {@code float&}. */
  @Override
  public String toString() {
    return (pointeeConst ? "const " : "")
        + base
        + "*".repeat(pointerLevel)
        + (reference ? "&" : "");
  }
}
