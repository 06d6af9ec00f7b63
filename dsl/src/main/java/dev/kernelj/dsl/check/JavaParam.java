package dev.kernelj.dsl.check;

import dev.kernelj.dsl.DType;

/**
 * What a Java kernel parameter declares, reduced to what the matching rules need. The processor
 * builds these from {@code TypeMirror}s at compile time; the runtime builds them from argument
 * values for dynamic (jshell) kernels.
 */
public sealed interface JavaParam {
  /**
   * How the parameter reads in Java source, for messages: {@code Ptr<F32>}, {@code @Unsigned int}.
   */
  String javaSpelling();

  /**
   * A primitive passed by value: {@code int}, {@code @Unsigned long}, {@code float}, {@code
   * boolean}, ...
   */
  record Scalar(DType type) implements JavaParam {
    @Override
    public String javaSpelling() {
      return switch (type) {
        case F32 -> "float";
        case F64 -> "double";
        case I8 -> "byte";
        case U8 -> "@Unsigned byte";
        case I16 -> "short";
        case U16 -> "@Unsigned short";
        case I32 -> "int";
        case U32 -> "@Unsigned int";
        case I64 -> "long";
        case U64 -> "@Unsigned long";
        case BOOL -> "boolean";
        case F16, BF16 -> type.name() + " scalar";
      };
    }
  }

  /** A device pointer: {@code Ptr<T>} when {@code writable}, else {@code ConstPtr<T>}. */
  record Pointer(DType element, boolean writable) implements JavaParam {
    @Override
    public String javaSpelling() {
      return (writable ? "Ptr<" : "ConstPtr<") + element.marker().getSimpleName() + ">";
    }
  }

  /** Anything else: the rules report it as unsupported. */
  record Unsupported(String javaSpelling) implements JavaParam {}
}
