package dev.kernelj.processor;

import dev.kernelj.dsl.check.Diagnostic;
import java.util.Map;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.tools.Diagnostic.Kind;

/**
 * Prints tagged messages at the most precise place javac can show: an element, and where given, an
 * explicitly written annotation value on it, or the annotation itself when no member is named.
 * Counts errors so that validation can tell whether an interface is clean.
 */
final class DiagnosticReporter {
  private final Messager messager;
  private int errors;

  DiagnosticReporter(Messager messager) {
    this.messager = messager;
  }

  /** An error tagged with {@code diagnostic}, at {@code element}. */
  void error(Diagnostic diagnostic, String message, Element element) {
    print(Kind.ERROR, diagnostic.format(message), element, null, null);
  }

  /**
   * An error tagged with {@code diagnostic}, at the value {@code member} of {@code annotation} on
   * {@code element}.
   */
  void error(
      Diagnostic diagnostic,
      String message,
      Element element,
      AnnotationMirror annotation,
      String member) {
    print(Kind.ERROR, diagnostic.format(message), element, annotation, member);
  }

  /** A warning tagged with {@code diagnostic}; the message must say why it is not an error. */
  void warning(
      Diagnostic diagnostic,
      String message,
      Element element,
      AnnotationMirror annotation,
      String member) {
    print(Kind.WARNING, diagnostic.format(message), element, annotation, member);
  }

  /** An already formatted message ({@code [Tag] ...}), as error or warning. */
  void print(
      Kind kind, String formatted, Element element, AnnotationMirror annotation, String member) {
    if (kind == Kind.ERROR) {
      errors++;
    }
    if (annotation == null) {
      messager.printMessage(kind, formatted, element);
      return;
    }
    if (member == null) {
      messager.printMessage(kind, formatted, element, annotation);
      return;
    }
    AnnotationValue value = explicitValue(annotation, member);
    if (value == null) {
      // A defaulted value is not in the source; the element (e.g. the method whose name is the
      // binding) is then the more telling place.
      messager.printMessage(kind, formatted, element);
    } else {
      messager.printMessage(kind, formatted, element, annotation, value);
    }
  }

  /** A message with no element: options and tool problems that concern the whole compilation. */
  void printGlobal(Kind kind, String formatted) {
    if (kind == Kind.ERROR) {
      errors++;
    }
    messager.printMessage(kind, formatted);
  }

  /** Errors printed so far; compare before and after a check to see whether it found any. */
  int errorCount() {
    return errors;
  }

  /**
   * The value of {@code member} as written in the source, or null when it is left at its default.
   */
  private static AnnotationValue explicitValue(AnnotationMirror annotation, String member) {
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> entry :
        annotation.getElementValues().entrySet()) {
      if (entry.getKey().getSimpleName().contentEquals(member)) {
        return entry.getValue();
      }
    }
    return null;
  }
}
