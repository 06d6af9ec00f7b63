package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.NameExpression;
import dev.kernelj.dsl.cuda.TemplateParam;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Finds the one {@code __global__} function a name expression binds to in one view of the source:
 * by C++ name lookup (namespaces included), then template or not by whether the expression has
 * template arguments, then by template argument count; and checks that it has a body.
 */
final class KernelResolver {
  /** Exactly one of the two is non-null. */
  record Resolution(CudaKernel kernel, Problem problem) {}

  private KernelResolver() {}

  static Resolution resolve(NameExpression binding, CudaSource source) {
    List<CudaKernel> named = source.lookup(binding);
    if (named.isEmpty()) {
      return UnknownName.problem(binding, source);
    }
    Resolution r = byTemplateArguments(binding, named);
    if (r.kernel() != null && !source.hasBody(r.kernel(), binding.templateArgs())) {
      return fail(Diagnostic.UNDEFINED, undefined(binding, r.kernel()));
    }
    return r;
  }

  private static Resolution byTemplateArguments(NameExpression binding, List<CudaKernel> named) {
    String qualified = named.get(0).qualifiedName();
    if (binding.isInstantiation()) {
      List<CudaKernel> templates = named.stream().filter(CudaKernel::isTemplate).toList();
      if (templates.isEmpty()) {
        return fail(
            Diagnostic.TEMPLATE,
            "'"
                + binding.text()
                + "' gives template arguments but __global__ '"
                + qualified
                + "' is not a template; bind it as \""
                + binding.qualifiedName()
                + "\". "
                + Quote.of(named.get(0)));
      }
      int count = binding.templateArgs().size();
      List<CudaKernel> fitting = templates.stream().filter(k -> accepts(k, count)).toList();
      if (fitting.size() == 1) {
        Problem value = valueForType(binding, fitting.get(0));
        return value != null ? new Resolution(null, value) : new Resolution(fitting.get(0), null);
      }
      if (fitting.size() > 1) {
        return fail(Diagnostic.OVERLOAD, overloaded(binding.text(), fitting));
      }
      String takes =
          templates.stream()
              .map(k -> expectedCount(k) + " (" + templateHeader(k) + ")")
              .collect(Collectors.joining(" or "));
      return fail(
          Diagnostic.TEMPLATE,
          "'"
              + binding.text()
              + "' gives "
              + count
              + " template argument"
              + (count == 1 ? "" : "s")
              + " but __global__ '"
              + qualified
              + "' takes "
              + takes
              + ". "
              + Quote.of(templates.get(0)));
    }
    List<CudaKernel> plain = named.stream().filter(k -> !k.isTemplate()).toList();
    if (plain.size() == 1) {
      return new Resolution(plain.get(0), null);
    }
    if (plain.size() > 1) {
      return fail(Diagnostic.OVERLOAD, overloaded(binding.text(), plain));
    }
    CudaKernel template = named.get(0);
    String example =
        binding.qualifiedName()
            + template.templateParams().stream()
                .map(tp -> tp.name().isEmpty() ? "?" : tp.name())
                .collect(Collectors.joining(", ", "<", ">"));
    return fail(
        Diagnostic.TEMPLATE,
        "__global__ '"
            + template.qualifiedName()
            + "' is a template ("
            + templateHeader(template)
            + ") and needs template arguments: bind an instantiation such as @Global(\""
            + example
            + "\") with each template parameter replaced by its argument. "
            + Quote.of(template));
  }

  private static String undefined(NameExpression binding, CudaKernel k) {
    String what =
        k.isTemplate()
            ? "template '"
                + k.qualifiedName()
                + "' is declared but neither it nor a specialisation for <"
                + String.join(", ", binding.templateArgs())
                + "> is defined"
            : "'" + k.qualifiedName() + "' is declared but never defined";
    return "__global__ "
        + what
        + " in this source: nvcc and NVRTC compile the source on its own, so no code exists"
        + " to launch (a definition in another file is never linked in); give the declaration at"
        + " line "
        + k.line()
        + " a body. "
        + Quote.of(k);
  }

  /**
   * A value (a number, {@code true}, {@code false}) given for a type template parameter, which
   * would otherwise read as a type of that name; null when every argument fits its kind.
   */
  private static Problem valueForType(NameExpression binding, CudaKernel template) {
    List<String> args = binding.templateArgs();
    List<TemplateParam> tps = template.templateParams();
    for (int i = 0; i < args.size(); i++) {
      TemplateParam last = tps.get(tps.size() - 1);
      TemplateParam tp = i < tps.size() ? tps.get(i) : last.isPack() ? last : null;
      if (tp == null) {
        break;
      }
      String arg = args.get(i).strip();
      boolean value = arg.matches("[-+]?[0-9.].*") || arg.equals("true") || arg.equals("false");
      if (tp.takesTypes() && value) {
        return fail(
                Diagnostic.TEMPLATE,
                "'"
                    + binding.text()
                    + "' gives the value "
                    + arg
                    + " for "
                    + (tp.name().isEmpty() ? "template parameter " + (i + 1) : tp.name())
                    + ", a type parameter of __global__ '"
                    + template.qualifiedName()
                    + "' ("
                    + templateHeader(template)
                    + "); give a type such as float. "
                    + Quote.of(template))
            .problem();
      }
    }
    return null;
  }

  /** {@code template <typename T, int BLOCK = 256>}. */
  static String templateHeader(CudaKernel k) {
    return k.templateParams().stream()
        .map(TemplateParam::toString)
        .collect(Collectors.joining(", ", "template <", ">"));
  }

  private static boolean accepts(CudaKernel k, int count) {
    List<TemplateParam> tps = k.templateParams();
    boolean pack = tps.get(tps.size() - 1).isPack();
    long required = tps.stream().filter(tp -> !tp.hasDefault() && !tp.isPack()).count();
    return count >= required && (pack || count <= tps.size());
  }

  private static String expectedCount(CudaKernel k) {
    List<TemplateParam> tps = k.templateParams();
    long required = tps.stream().filter(tp -> !tp.hasDefault() && !tp.isPack()).count();
    if (tps.get(tps.size() - 1).isPack()) {
      return required + " or more";
    }
    return required == tps.size() ? String.valueOf(required) : required + " to " + tps.size();
  }

  private static String overloaded(String what, List<CudaKernel> candidates) {
    String each =
        candidates.stream()
            .map(
                k ->
                    "line "
                        + k.line()
                        + ": "
                        + k.declaration()
                        + (k.namespace().isEmpty() ? "" : " in " + k.qualifiedName()))
            .collect(Collectors.joining("; "));
    return "'"
        + what
        + "' matches "
        + candidates.size()
        + " overloaded __global__ functions ("
        + each
        + "); a Java method binds exactly one, so give the overloads different names (extern \"C\" kernels cannot"
        + " be overloaded at all)";
  }

  static Resolution fail(Diagnostic d, String message) {
    return new Resolution(null, new Problem(d, true, -1, message));
  }
}
