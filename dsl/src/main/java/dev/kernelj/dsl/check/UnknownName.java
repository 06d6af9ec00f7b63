package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.MacroUse;
import dev.kernelj.dsl.cuda.NameExpression;
import dev.kernelj.dsl.cuda.SkippedKernel;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Says why a name expression finds no {@code __global__} function, most telling reason first: a
 * kernel of that name in another namespace, one in a branch the preprocessor skips, a macro the
 * source does not define that may hide it, or the closest name the source does declare.
 */
final class UnknownName {
  private UnknownName() {}

  static KernelResolver.Resolution problem(NameExpression binding, CudaSource source) {
    List<String> declared =
        source.kernels().stream().map(CudaKernel::qualifiedName).distinct().toList();
    String what = "no __global__ function named '" + binding.qualifiedName() + "'";

    List<String> elsewhere =
        source.kernels().stream()
            .filter(k -> k.name().equals(binding.name()))
            .map(CudaKernel::qualifiedName)
            .distinct()
            .toList();
    if (!elsewhere.isEmpty()) {
      String first = elsewhere.get(0);
      return KernelResolver.fail(
          Diagnostic.UNKNOWN_NAME,
          what
              + (binding.qualifier().isEmpty() && !binding.rooted() ? " at global scope" : "")
              + "; did you mean "
              + elsewhere.stream().map(n -> "'" + n + "'").collect(Collectors.joining(" or "))
              + "? A kernel in a namespace is bound by its qualified name, as in @Global(\""
              + first
              + (binding.isInstantiation()
                  ? "<" + String.join(", ", binding.templateArgs()) + ">"
                  : "")
              + "\")");
    }

    List<SkippedKernel> skipped =
        source.skippedKernels().stream().filter(s -> s.name().equals(binding.name())).toList();
    if (!skipped.isEmpty()) {
      SkippedKernel s = skipped.get(0);
      return KernelResolver.fail(
          Diagnostic.UNKNOWN_NAME,
          what
              + " in the code the compiler sees: '"
              + s.name()
              + "' is declared at line "
              + s.line()
              + " inside a branch the preprocessor skips ("
              + s.branch()
              + " at line "
              + s.branchLine()
              + "), so nvcc and NVRTC never compile it, unless a header the source includes"
              + " defines what that condition tests (KernelJ does not read headers: give it with"
              + " @Kernel(defines = ...)); enable that branch (or move the kernel out of it)"
              + declaredSuffix(declared));
    }

    List<MacroUse> hidden = source.hiddenMacros();
    List<MacroUse> naming =
        hidden.stream().filter(m -> m.arguments().contains(binding.name())).toList();
    if (!naming.isEmpty() || (!hidden.isEmpty() && declared.isEmpty())) {
      List<MacroUse> suspects = naming.isEmpty() ? hidden : naming;
      return KernelResolver.fail(Diagnostic.MACRO, hiddenBehind(what, suspects));
    }

    if (declared.isEmpty()) {
      return KernelResolver.fail(
          Diagnostic.UNKNOWN_NAME,
          what + ": the CUDA source declares no __global__ function at all");
    }
    String closest = declared.get(0);
    for (String n : declared) {
      if (distance(n, binding.qualifiedName()) < distance(closest, binding.qualifiedName())) {
        closest = n;
      }
    }
    String macroNote =
        hidden.isEmpty()
            ? ""
            : " (it also invokes "
                + hidden.stream()
                    .limit(3)
                    .map(m -> m.name() + " at line " + m.line())
                    .collect(Collectors.joining(", "))
                + ", macros it does not define, behind which a declaration may be hidden)";
    return KernelResolver.fail(
        Diagnostic.UNKNOWN_NAME,
        what
            + "; did you mean '"
            + closest
            + "'? The CUDA source declares: "
            + String.join(", ", declared)
            + macroNote);
  }

  private static String hiddenBehind(String what, List<MacroUse> suspects) {
    MacroUse m = suspects.get(0);
    String others =
        suspects.size() == 1
            ? ""
            : " (also "
                + suspects.stream()
                    .skip(1)
                    .limit(3)
                    .map(u -> u.name() + " at line " + u.line())
                    .collect(Collectors.joining(", "))
                + ")";
    return what
        + " is visible: line "
        + m.line()
        + " invokes "
        + m.text()
        + ", and "
        + m.name()
        + " is a macro this source does not define (it may come from an included header, which"
        + " KernelJ does not read), so the declaration behind it is hidden"
        + others
        + "; define "
        + m.name()
        + " in the source or with @Kernel(defines = ...), or write the __global__ declaration out";
  }

  private static String declaredSuffix(List<String> declared) {
    return declared.isEmpty() ? "" : ". The CUDA source declares: " + String.join(", ", declared);
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
}
