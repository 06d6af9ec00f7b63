package dev.kernelj.processor;

import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;

/** Finds annotation mirrors by name, for placing messages on annotation values. */
final class Annotations {
  static final String KERNEL = "dev.kernelj.dsl.Kernel";
  static final String GLOBAL = "dev.kernelj.dsl.Global";
  static final String UNSIGNED = "dev.kernelj.dsl.Unsigned";

  private Annotations() {}

  /** The annotation of type {@code qualifiedName} present directly on {@code element}. */
  static Optional<AnnotationMirror> find(Element element, String qualifiedName) {
    for (AnnotationMirror mirror : element.getAnnotationMirrors()) {
      if (isOfType(mirror, qualifiedName)) {
        return Optional.of(mirror);
      }
    }
    return Optional.empty();
  }

  static boolean isOfType(AnnotationMirror mirror, String qualifiedName) {
    Element type = mirror.getAnnotationType().asElement();
    return type instanceof TypeElement t && t.getQualifiedName().contentEquals(qualifiedName);
  }
}
