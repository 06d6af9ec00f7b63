package dev.kernelj.processor;

import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.check.Diagnostic;
import dev.kernelj.dsl.check.JavaParam;
import dev.kernelj.dsl.check.ParamLayout;
import dev.kernelj.dsl.check.Problem;
import dev.kernelj.dsl.check.SignatureCheck;
import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.CudaParseException;
import dev.kernelj.dsl.cuda.CudaProgram;
import dev.kernelj.dsl.cuda.NameExpression;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.TypeParameterElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.tools.Diagnostic.Kind;

/**
 * Checks one abstract method of a {@code @Kernel} interface: its shape (void, {@code Launch} first,
 * not generic), its {@code @Global} binding and constraints, and its parameters against the CUDA
 * declaration through the dsl's {@link SignatureCheck}, the one definition of a match.
 */
final class KernelMethodValidator {
  private static final String LAUNCH = "dev.kernelj.dsl.Launch";

  private final DiagnosticReporter reporter;

  KernelMethodValidator(DiagnosticReporter reporter) {
    this.reporter = reporter;
  }

  /**
   * What checking one method produced.
   *
   * @param binding the name expression text it binds to, when readable (for duplicate checks)
   * @param model the checked method, when it has no errors
   */
  record Result(Optional<String> binding, Optional<KernelMethodModel> model) {}

  /**
   * Checks {@code method}; {@code source} is empty when the interface's CUDA C could not be read.
   */
  Result validate(ExecutableElement method, Optional<CudaProgram> source) {
    int errorsBefore = reporter.errorCount();
    Optional<AnnotationMirror> global = Annotations.find(method, Annotations.GLOBAL);
    Global constraints = method.getAnnotation(Global.class);
    String name = method.getSimpleName().toString();

    checkShape(method, name);
    checkConstraints(method, global, constraints, name);
    Optional<NameExpression> binding = parseBinding(method, global, constraints, name);
    if (binding.isEmpty() || source.isEmpty() || !hasLaunchFirst(method)) {
      return new Result(binding.map(NameExpression::text), Optional.empty());
    }

    List<VariableElement> kernelParams =
        List.copyOf(method.getParameters().subList(1, method.getParameters().size()));
    List<JavaParam> javaParams = kernelParams.stream().map(JavaParamMapper::map).toList();
    SignatureCheck check = SignatureCheck.check(javaParams, binding.get(), source.get());
    for (Problem problem : check.problems()) {
      report(problem, method, global);
    }
    check
        .kernel()
        .ifPresent(kernel -> checkLaunchBounds(method, global, constraints, kernel, name));

    if (reporter.errorCount() != errorsBefore || check.hasErrors() || check.kernel().isEmpty()) {
      return new Result(Optional.of(binding.get().text()), Optional.empty());
    }
    return new Result(
        Optional.of(binding.get().text()),
        Optional.of(
            model(
                method,
                name,
                binding.get(),
                check.kernel().get(),
                kernelParams,
                javaParams,
                constraints)));
  }

  private void checkShape(ExecutableElement method, String name) {
    if (!method.getTypeParameters().isEmpty()) {
      reporter.error(
          Diagnostic.METHOD_SHAPE,
          "method "
              + name
              + " declares type parameters "
              + typeParameters(method.getTypeParameters())
              + "; a kernel method takes concrete types (Ptr<F32>, int, ...)",
          method);
    }
    if (method.getReturnType().getKind() != TypeKind.VOID) {
      reporter.error(
          Diagnostic.METHOD_SHAPE,
          "method "
              + name
              + " returns "
              + JavaParamMapper.spelling(method.getReturnType())
              + "; a kernel launch returns nothing, declare it void",
          method);
    }
    if (!hasLaunchFirst(method)) {
      reporter.error(
          Diagnostic.METHOD_SHAPE,
          "method "
              + name
              + " must take a Launch (grid, block, shared memory, stream) as its first"
              + " parameter, then one parameter per CUDA parameter",
          method);
    }
  }

  /** {@code <T, U>}, as written. */
  static String typeParameters(List<? extends TypeParameterElement> parameters) {
    return parameters.stream()
        .map(p -> p.getSimpleName().toString())
        .collect(Collectors.joining(", ", "<", ">"));
  }

  private static boolean hasLaunchFirst(ExecutableElement method) {
    if (method.getParameters().isEmpty()) {
      return false;
    }
    TypeMirror first = method.getParameters().get(0).asType();
    return first.getKind() == TypeKind.DECLARED
        && ((TypeElement) ((DeclaredType) first).asElement())
            .getQualifiedName()
            .contentEquals(LAUNCH);
  }

  private void checkConstraints(
      ExecutableElement method,
      Optional<AnnotationMirror> global,
      Global constraints,
      String name) {
    if (constraints == null) {
      return;
    }
    if (constraints.maxThreadsPerBlock() < 0) {
      reporter.error(
          Diagnostic.METHOD_SHAPE,
          "maxThreadsPerBlock = "
              + constraints.maxThreadsPerBlock()
              + " on method "
              + name
              + " must be >= 0 (0 means no limit beyond the device's)",
          method,
          global.orElse(null),
          "maxThreadsPerBlock");
    }
    if (constraints.maxDynamicSharedBytes() < 0) {
      reporter.error(
          Diagnostic.METHOD_SHAPE,
          "maxDynamicSharedBytes = "
              + constraints.maxDynamicSharedBytes()
              + " on method "
              + name
              + " must be >= 0 (0 means the default 48 KiB limit)",
          method,
          global.orElse(null),
          "maxDynamicSharedBytes");
    }
  }

  private Optional<NameExpression> parseBinding(
      ExecutableElement method,
      Optional<AnnotationMirror> global,
      Global constraints,
      String name) {
    String text = constraints == null || constraints.value().isBlank() ? name : constraints.value();
    try {
      return Optional.of(NameExpression.parse(text));
    } catch (CudaParseException e) {
      reporter.error(
          Diagnostic.UNKNOWN_NAME,
          "cannot read the kernel name \""
              + text
              + "\" of method "
              + name
              + ": "
              + e.getMessage()
              + "; write a function name or an instantiation such as scale<float>",
          method,
          global.orElse(null),
          "value");
      return Optional.empty();
    }
  }

  /** Places a problem on the Java parameter it concerns, or on the method's binding. */
  private void report(
      Problem problem, ExecutableElement method, Optional<AnnotationMirror> global) {
    Kind kind = problem.error() ? Kind.ERROR : Kind.WARNING;
    int javaIndex = problem.paramIndex() + 1; // the Launch comes first
    if (problem.paramIndex() >= 0 && javaIndex < method.getParameters().size()) {
      Element parameter = method.getParameters().get(javaIndex);
      reporter.print(kind, problem.formatted(), parameter, null, null);
      return;
    }
    boolean aboutBinding =
        switch (problem.diagnostic()) {
          case UNKNOWN_NAME, OVERLOAD, TEMPLATE, MACRO, UNDEFINED, ARCH -> true;
          default -> false;
        };
    reporter.print(
        kind, problem.formatted(), method, aboutBinding ? global.orElse(null) : null, "value");
  }

  private void checkLaunchBounds(
      ExecutableElement method,
      Optional<AnnotationMirror> global,
      Global constraints,
      CudaKernel kernel,
      String name) {
    int bound = kernel.launchBoundsMaxThreads();
    if (constraints == null || bound <= 0 || constraints.maxThreadsPerBlock() <= bound) {
      return;
    }
    reporter.warning(
        Diagnostic.METHOD_SHAPE,
        "maxThreadsPerBlock = "
            + constraints.maxThreadsPerBlock()
            + " on method "
            + name
            + " is above __launch_bounds__("
            + bound
            + ") of `"
            + kernel.declaration()
            + "`: the driver"
            + " refuses launches of more than "
            + bound
            + " threads per block (a warning, not an error:"
            + " such a launch fails loudly rather than computing garbage); declare at most "
            + bound,
        method,
        global.orElse(null),
        "maxThreadsPerBlock");
  }

  private static KernelMethodModel model(
      ExecutableElement method,
      String name,
      NameExpression binding,
      CudaKernel kernel,
      List<VariableElement> kernelParams,
      List<JavaParam> javaParams,
      Global constraints) {
    ParamLayout layout = ParamLayout.of(javaParams);
    List<KernelParamModel> params = new ArrayList<>();
    for (int i = 0; i < javaParams.size(); i++) {
      params.add(
          new KernelParamModel(
              kernelParams.get(i).getSimpleName().toString(),
              javaParams.get(i),
              layout.offset(i),
              layout.size(i)));
    }
    Optional<String> cSymbol =
        kernel.externC() && !kernel.isTemplate() ? Optional.of(kernel.name()) : Optional.empty();
    return new KernelMethodModel(
        name,
        method.getParameters().get(0).getSimpleName().toString(),
        binding.text(),
        cSymbol,
        params,
        constraints == null ? 0 : constraints.maxThreadsPerBlock(),
        constraints == null ? 0 : constraints.maxDynamicSharedBytes());
  }
}
