package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.NameExpression;
import dev.kernelj.dsl.cuda.TemplateParam;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Finds the one {@code __global__} function a name expression binds to: by name, then template or
 * not by whether the expression has template arguments, then by template argument count.
 */
final class KernelResolver {
  /** Exactly one of the two is non-null. */
  record Resolution(CudaKernel kernel, Problem problem) {}

  private KernelResolver() {}

  static Resolution resolve(NameExpression binding, CudaSource source) {
    List<CudaKernel> named = source.named(binding.name());
    if (named.isEmpty()) {
      return fail(Diagnostic.UNKNOWN_NAME, unknownName(binding, source));
    }
    if (binding.isInstantiation()) {
      List<CudaKernel> templates = named.stream().filter(CudaKernel::isTemplate).toList();
      if (templates.isEmpty()) {
        return fail(
            Diagnostic.TEMPLATE,
            "'"
                + binding.text()
                + "' gives template arguments but __global__ '"
                + binding.name()
                + "' is not a template; bind it as \""
                + binding.name()
                + "\". "
                + Quote.of(named.get(0)));
      }
      int count = binding.templateArgs().size();
      List<CudaKernel> fitting = templates.stream().filter(k -> accepts(k, count)).toList();
      if (fitting.size() == 1) {
        return new Resolution(fitting.get(0), null);
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
              + binding.name()
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
      return fail(Diagnostic.OVERLOAD, overloaded(binding.name(), plain));
    }
    CudaKernel template = named.get(0);
    String example =
        template.name()
            + template.templateParams().stream()
                .map(tp -> tp.name().isEmpty() ? "?" : tp.name())
                .collect(Collectors.joining(", ", "<", ">"));
    return fail(
        Diagnostic.TEMPLATE,
        "__global__ '"
            + binding.name()
            + "' is a template ("
            + templateHeader(template)
            + ") and needs template arguments: bind an instantiation such as @Global(\""
            + example
            + "\") with each template parameter replaced by its argument. "
            + Quote.of(template));
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
            .map(k -> "line " + k.line() + ": " + k.declaration())
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

  private static String unknownName(NameExpression binding, CudaSource source) {
    List<String> names = source.kernels().stream().map(CudaKernel::name).distinct().toList();
    if (names.isEmpty()) {
      return "no __global__ function named '"
          + binding.name()
          + "': the CUDA source declares no __global__ function at all";
    }
    String closest = names.get(0);
    for (String n : names) {
      if (distance(n, binding.name()) < distance(closest, binding.name())) {
        closest = n;
      }
    }
    return "no __global__ function named '"
        + binding.name()
        + "'; did you mean '"
        + closest
        + "'? The CUDA source declares: "
        + String.join(", ", names);
  }

  /** Edit distance, ignoring case: the suggestion should survive saxpy vs SAXPY. */
  static int distance(String a, String b) {
    String x = a.toLowerCase(Locale.ROOT);
    String y = b.toLowerCase(Locale.ROOT);
    int[] prev = new int[y.length() + 1];
    int[] cur = new int[y.length() + 1];
    for (int j = 0; j <= y.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= x.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= y.length(); j++) {
        int substitution = prev[j - 1] + (x.charAt(i - 1) == y.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(substitution, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[y.length()];
  }

  private static Resolution fail(Diagnostic d, String message) {
    return new Resolution(null, new Problem(d, true, -1, message));
  }
}
