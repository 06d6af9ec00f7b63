package dev.kernelj.dsl.check;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.cuda.CudaType;
import java.util.Optional;

/**
 * The Java parameter type that fits a CUDA parameter, for messages that must suggest something that
 * compiles, and why a Java type cannot be passed at all.
 */
final class JavaSuggestion {
  private JavaSuggestion() {}

  /**
   * {@code byte} for {@code char}, {@code @Unsigned int} for {@code unsigned}, {@code
   * ConstPtr<F32>} for {@code const float*}; a generic hint for types KernelJ cannot pass.
   */
  static String forCuda(CudaType ct) {
    Optional<DType> element = CTypes.dtypeOf(ct.base());
    if (ct.pointerLevel() == 1) {
      String marker =
          element
              .map(d -> d.marker().getSimpleName())
              .orElse(ct.base().equals("void") ? "T" : null);
      if (marker != null) {
        return (ct.pointeeConst() ? "ConstPtr<" : "Ptr<") + marker + ">";
      }
    }
    if (ct.pointerLevel() == 0 && element.isPresent()) {
      DType d = element.get();
      if (d == DType.F16 || d == DType.BF16) {
        return "float (converted to " + ct.base() + " in the kernel)";
      }
      return new JavaParam.Scalar(d).javaSpelling();
    }
    return "a primitive, Ptr<T> or ConstPtr<T>";
  }

  /** Why a Java type that is not a primitive, Ptr or ConstPtr cannot be a kernel argument. */
  static String why(String javaSpelling) {
    if (javaSpelling.equals("char")) {
      return " (Java's char is a 16-bit UTF-16 code unit; CUDA's char is an 8-bit integer, Java's"
          + " byte)";
    }
    if (javaSpelling.endsWith("[]")) {
      return " (a Java array lives in the Java heap, which the GPU cannot read; copy it into a"
          + " DeviceBuffer and pass that)";
    }
    return switch (javaSpelling) {
      case "Integer", "Long", "Short", "Byte", "Float", "Double", "Boolean", "Character" ->
          " (a boxed object, not a value; use the primitive)";
      case "String" -> " (a Java object; pass a device buffer of bytes instead)";
      default -> "";
    };
  }
}
