package dev.kernelj.processor;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.check.JavaParam;
import java.util.List;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;

/**
 * Reduces a Java kernel parameter to the {@link JavaParam} the matching rules understand. Only
 * primitives (with {@code @Unsigned} on integers) and {@code Ptr<X>}/{@code ConstPtr<X>} of an
 * element marker are passable; everything else becomes {@link JavaParam.Unsupported} so that the
 * rules report it with the CUDA declaration in view.
 */
final class JavaParamMapper {
  private static final String DSL_PACKAGE = "dev.kernelj.dsl";

  private JavaParamMapper() {}

  static JavaParam map(VariableElement parameter) {
    TypeMirror type = parameter.asType();
    boolean unsigned = isUnsigned(parameter);
    return switch (type.getKind()) {
      case FLOAT -> unsigned ? unsignedMisuse("float") : new JavaParam.Scalar(DType.F32);
      case DOUBLE -> unsigned ? unsignedMisuse("double") : new JavaParam.Scalar(DType.F64);
      case BOOLEAN -> unsigned ? unsignedMisuse("boolean") : new JavaParam.Scalar(DType.BOOL);
      case BYTE -> new JavaParam.Scalar(unsigned ? DType.U8 : DType.I8);
      case SHORT -> new JavaParam.Scalar(unsigned ? DType.U16 : DType.I16);
      case INT -> new JavaParam.Scalar(unsigned ? DType.U32 : DType.I32);
      case LONG -> new JavaParam.Scalar(unsigned ? DType.U64 : DType.I64);
      case DECLARED -> pointer((DeclaredType) type);
      default -> new JavaParam.Unsupported(spelling(type));
    };
  }

  /**
   * {@code @Unsigned} may sit on the declaration or, as a type annotation, on the type itself;
   * javac records it in both places for {@code @Unsigned int n}, but only on the type for some
   * spellings.
   */
  private static boolean isUnsigned(VariableElement parameter) {
    return Annotations.find(parameter, Annotations.UNSIGNED).isPresent()
        || parameter.asType().getAnnotationMirrors().stream()
            .anyMatch(m -> Annotations.isOfType(m, Annotations.UNSIGNED));
  }

  private static JavaParam unsignedMisuse(String primitive) {
    return new JavaParam.Unsupported("@Unsigned " + primitive);
  }

  private static JavaParam pointer(DeclaredType type) {
    TypeElement raw = (TypeElement) type.asElement();
    String name = raw.getQualifiedName().toString();
    boolean writable = name.equals(DSL_PACKAGE + ".Ptr");
    if (!writable && !name.equals(DSL_PACKAGE + ".ConstPtr")) {
      return new JavaParam.Unsupported(spelling(type));
    }
    List<? extends TypeMirror> arguments = type.getTypeArguments();
    if (arguments.size() != 1 || arguments.get(0).getKind() != TypeKind.DECLARED) {
      return new JavaParam.Unsupported(spelling(type));
    }
    Element marker = ((DeclaredType) arguments.get(0)).asElement();
    DType element = markerType(marker);
    return element == null
        ? new JavaParam.Unsupported(spelling(type))
        : new JavaParam.Pointer(element, writable);
  }

  /** The DType of an element marker class of the dsl package, or null for any other class. */
  private static DType markerType(Element marker) {
    if (!(marker instanceof TypeElement t)) {
      return null;
    }
    String qualified = t.getQualifiedName().toString();
    if (!qualified.equals(DSL_PACKAGE + "." + t.getSimpleName())) {
      return null;
    }
    return DType.ofMarkerName(qualified);
  }

  /** The type as a reader would write it: package prefixes of the dsl and java.lang dropped. */
  static String spelling(TypeMirror type) {
    return type.toString().replace(DSL_PACKAGE + ".", "").replace("java.lang.", "");
  }
}
