package dev.kernelj.processor;

import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.check.Diagnostic;
import dev.kernelj.dsl.cuda.CudaParseException;
import dev.kernelj.dsl.cuda.CudaProgram;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * Checks one {@code @Kernel} type and turns it into a {@link KernelInterfaceModel}, or reports
 * every problem it finds and yields nothing. Problems are reported at the element and annotation
 * value they concern; checking goes on after the first problem so that one compile shows them all.
 */
final class KernelInterfaceValidator {
  private final Elements elements;
  private final DiagnosticReporter reporter;
  private final CudaSourceReader sourceReader;
  private final KernelMethodValidator methodValidator;

  private final CheckTargets targets;

  KernelInterfaceValidator(
      Elements elements,
      DiagnosticReporter reporter,
      CudaSourceReader sourceReader,
      CheckTargets targets) {
    this.elements = elements;
    this.reporter = reporter;
    this.sourceReader = sourceReader;
    this.targets = targets;
    this.methodValidator = new KernelMethodValidator(reporter);
  }

  /**
   * Whether some method of {@code type} mentions a type javac could not resolve yet: another
   * processor may generate it in a later round, and javac reports it if nobody does.
   */
  static boolean hasUnresolvedTypes(TypeElement type) {
    for (ExecutableElement method : ElementFilter.methodsIn(type.getEnclosedElements())) {
      if (isError(method.getReturnType())) {
        return true;
      }
      for (VariableElement parameter : method.getParameters()) {
        if (isError(parameter.asType())) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isError(TypeMirror type) {
    return type.getKind() == TypeKind.ERROR;
  }

  Optional<KernelInterfaceModel> validate(TypeElement type) {
    int errorsBefore = reporter.errorCount();
    AnnotationMirror kernelMirror = Annotations.find(type, Annotations.KERNEL).orElseThrow();
    if (!checkDeclaration(type, kernelMirror)) {
      return Optional.empty();
    }
    Kernel kernel = type.getAnnotation(Kernel.class);
    String packageName = elements.getPackageOf(type).getQualifiedName().toString();
    Optional<String> cudaText = readSource(type, kernelMirror, kernel, packageName);
    Optional<List<String>> options =
        CompileOptionsCheck.options(type, kernelMirror, kernel, reporter);
    Optional<CudaProgram> cuda =
        options.flatMap(o -> cudaText.flatMap(text -> parse(type, kernelMirror, kernel, text, o)));

    checkInheritedMethods(type);
    List<KernelMethodModel> methods = validateMethods(type, cuda);
    if (reporter.errorCount() != errorsBefore || cudaText.isEmpty() || options.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new KernelInterfaceModel(
            packageName,
            simpleNames(type),
            cudaText.get(),
            Sha256.hex(cudaText.get()),
            options.get(),
            methods));
  }

  /** An interface, reachable from its package: the launcher there must be able to implement it. */
  private boolean checkDeclaration(TypeElement type, AnnotationMirror kernelMirror) {
    if (type.getKind() != ElementKind.INTERFACE) {
      reporter.error(
          Diagnostic.METHOD_SHAPE,
          "@Kernel is on "
              + describe(type.getKind())
              + " "
              + type.getSimpleName()
              + "; it belongs on an interface, whose methods the generated launcher implements",
          type,
          kernelMirror,
          null);
      return false;
    }
    // Local interfaces need no check: javac never hands types declared inside methods to
    // processors.
    // Member interfaces are implicitly static, so top-level and nested ones both work if visible.
    boolean ok = true;
    for (Element e = type; e instanceof TypeElement t; e = t.getEnclosingElement()) {
      if (e.getModifiers().contains(Modifier.PRIVATE)) {
        reporter.error(
            Diagnostic.METHOD_SHAPE,
            "@Kernel interface "
                + type.getQualifiedName()
                + " is not visible in its package because "
                + (e == type ? "it is private" : e.getSimpleName() + " is private")
                + "; the generated launcher beside it must implement it",
            type,
            kernelMirror,
            null);
        ok = false;
        break;
      }
    }
    if (type.getModifiers().contains(Modifier.SEALED)) {
      reporter.error(
          Diagnostic.METHOD_SHAPE,
          "@Kernel interface "
              + type.getSimpleName()
              + " is sealed, so it permits only the classes it lists, and the launcher KernelJ"
              + " generates must implement it; drop sealed",
          type,
          kernelMirror,
          null);
      ok = false;
    }
    if (!type.getTypeParameters().isEmpty()) {
      reporter.error(
          Diagnostic.METHOD_SHAPE,
          "@Kernel interface "
              + type.getSimpleName()
              + " declares type parameters "
              + KernelMethodValidator.typeParameters(type.getTypeParameters())
              + "; kernel interfaces take concrete types",
          type,
          kernelMirror,
          null);
      ok = false;
    }
    return ok;
  }

  private static String describe(ElementKind kind) {
    return switch (kind) {
      case CLASS -> "class";
      case ENUM -> "enum";
      case ANNOTATION_TYPE -> "annotation type";
      default -> kind.name().toLowerCase(Locale.ROOT);
    };
  }

  private Optional<String> readSource(
      TypeElement type, AnnotationMirror mirror, Kernel kernel, String packageName) {
    String source = String.join("", kernel.source());
    boolean hasSource = !source.isEmpty();
    boolean hasResource = !kernel.resource().isEmpty();
    if (hasSource && hasResource) {
      reporter.error(
          Diagnostic.SOURCE,
          "@Kernel on "
              + type.getSimpleName()
              + " gives both source and resource; give exactly one",
          type,
          mirror,
          "resource");
      return Optional.empty();
    }
    if (!hasSource && !hasResource) {
      reporter.error(
          Diagnostic.SOURCE,
          "@Kernel on "
              + type.getSimpleName()
              + " gives no CUDA C; set source = \"\"\"...\"\"\" or"
              + " resource = \"file.cu\" (beside the interface)",
          type,
          mirror,
          null);
      return Optional.empty();
    }
    if (hasSource) {
      return Optional.of(source);
    }
    CudaSourceReader.ResourcePath path =
        CudaSourceReader.ResourcePath.resolve(packageName, kernel.resource());
    Optional<String> text = sourceReader.read(path);
    if (text.isEmpty()) {
      String tried =
          CudaSourceReader.LOCATIONS.stream().map(Enum::name).collect(Collectors.joining(", "));
      reporter.error(
          Diagnostic.SOURCE,
          "resource \""
              + kernel.resource()
              + "\" of "
              + type.getSimpleName()
              + " not found: looked for "
              + path.displayPath()
              + " in "
              + tried
              + "; put the file beside the interface's .java or under src/main/resources/"
              + packageDirectory(packageName)
              + " (javac finds a file beside the .java through its source path: Maven and"
              + " Gradle pass one; plain javac needs -sourcepath)",
          type,
          mirror,
          "resource");
    }
    return text;
  }

  private static String packageDirectory(String packageName) {
    return packageName.isEmpty() ? "" : packageName.replace('.', '/') + "/";
  }

  private Optional<CudaProgram> parse(
      TypeElement type, AnnotationMirror mirror, Kernel kernel, String text, List<String> options) {
    try {
      return Optional.of(targets.read(text, options));
    } catch (CudaParseException e) {
      String where =
          kernel.resource().isEmpty() ? "the CUDA C" : "resource \"" + kernel.resource() + "\"";
      String line = e.line() > 0 ? " at CUDA line " + e.line() : "";
      String linePrefix = "line " + e.line() + ": ";
      String detail =
          e.getMessage().startsWith(linePrefix)
              ? e.getMessage().substring(linePrefix.length())
              : e.getMessage();
      reporter.error(
          Diagnostic.SOURCE,
          "cannot read " + where + " of " + type.getSimpleName() + line + ": " + detail,
          type,
          mirror,
          kernel.resource().isEmpty() ? "source" : "resource");
      return Optional.empty();
    }
  }

  /** Abstract methods inherited from other interfaces would leave the launcher incomplete. */
  private void checkInheritedMethods(TypeElement type) {
    for (ExecutableElement method : ElementFilter.methodsIn(elements.getAllMembers(type))) {
      if (method.getModifiers().contains(Modifier.ABSTRACT)
          && !method.getEnclosingElement().equals(type)) {
        reporter.error(
            Diagnostic.METHOD_SHAPE,
            "@Kernel interface "
                + type.getSimpleName()
                + " inherits abstract method "
                + method.getSimpleName()
                + " from "
                + method.getEnclosingElement().getSimpleName()
                + "; declare every kernel method in the @Kernel interface itself",
            type);
      }
    }
  }

  private List<KernelMethodModel> validateMethods(TypeElement type, Optional<CudaProgram> cuda) {
    List<KernelMethodModel> models = new ArrayList<>();
    Map<String, ExecutableElement> byName = new HashMap<>();
    Map<String, ExecutableElement> byBinding = new HashMap<>();
    for (ExecutableElement method : ElementFilter.methodsIn(type.getEnclosedElements())) {
      String name = method.getSimpleName().toString();
      if (!method.getModifiers().contains(Modifier.ABSTRACT)) {
        rejectGlobalOnConcreteMethod(method, name);
        continue;
      }
      ExecutableElement sameName = byName.putIfAbsent(name, method);
      if (sameName != null) {
        reporter.error(
            Diagnostic.DUPLICATE,
            "method "
                + name
                + " is overloaded; each kernel method needs its own name (bind several"
                + " with @Global(\"kernel\") if they launch related kernels)",
            method);
      }
      KernelMethodValidator.Result result = methodValidator.validate(method, cuda);
      result
          .binding()
          .filter(binding -> sameName == null)
          .ifPresent(
              binding -> {
                ExecutableElement sameBinding = byBinding.putIfAbsent(binding, method);
                if (sameBinding != null) {
                  reporter.error(
                      Diagnostic.DUPLICATE,
                      "methods "
                          + sameBinding.getSimpleName()
                          + " and "
                          + name
                          + " both bind kernel "
                          + binding
                          + "; bind each kernel (instantiation) to one method",
                      method,
                      Annotations.find(method, Annotations.GLOBAL).orElse(null),
                      "value");
                }
              });
      result.model().ifPresent(models::add);
    }
    return models;
  }

  /**
   * Default and static methods are helpers the interface implements itself; they launch nothing.
   */
  private void rejectGlobalOnConcreteMethod(ExecutableElement method, String name) {
    Annotations.find(method, Annotations.GLOBAL)
        .ifPresent(
            global ->
                reporter.error(
                    Diagnostic.METHOD_SHAPE,
                    "@Global on method "
                        + name
                        + ", which has a body; only abstract methods launch kernels",
                    method,
                    global,
                    null));
  }

  /** Enclosing type names first: {@code [Outer, Inner]}. */
  private static List<String> simpleNames(TypeElement type) {
    List<String> names = new ArrayList<>();
    for (Element e = type; !(e instanceof PackageElement); e = e.getEnclosingElement()) {
      names.add(0, e.getSimpleName().toString());
    }
    return names;
  }
}
