package dev.kernelj.dsl.check;

import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.CudaProgram;
import dev.kernelj.dsl.cuda.NameExpression;
import dev.kernelj.dsl.cuda.Signatures;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Resolves a binding in every view of a {@link CudaProgram} and decides whether the views agree.
 * One Java method launches the kernel on every GPU, so its parameters must not change with {@code
 * __CUDA_ARCH__} (bodies may); it must exist for the architectures the build compiles (on others, a
 * missing kernel is only a warning: the launch fails loudly there).
 */
final class ArchConsistency {
  /** The kernel the build's views agree on (null when they do not), and the problems found. */
  record Outcome(CudaKernel kernel, List<Problem> problems) {}

  private ArchConsistency() {}

  static Outcome resolve(NameExpression binding, CudaProgram program) {
    List<CudaProgram.View> views = program.views();
    List<KernelResolver.Resolution> resolutions = new ArrayList<>();
    for (CudaProgram.View v : views) {
      resolutions.add(KernelResolver.resolve(binding, v.source()));
    }
    int base = -1;
    for (int i = 0; i < views.size() && base < 0; i++) {
      if (views.get(i).built() && resolutions.get(i).kernel() != null) {
        base = i;
      }
    }
    if (base < 0) {
      return unresolvedInBuild(binding, views, resolutions);
    }
    CudaKernel kernel = resolutions.get(base).kernel();
    List<Problem> problems = new ArrayList<>();
    // Signature key -> the declaration and the views that see it.
    java.util.Map<String, List<CudaProgram.View>> seen = new java.util.LinkedHashMap<>();
    java.util.Map<String, String> declarations = new java.util.HashMap<>();
    seen.computeIfAbsent(Signatures.key(kernel), k -> new ArrayList<>()).add(views.get(base));
    declarations.put(Signatures.key(kernel), resolved(kernel));
    List<CudaProgram.View> missing = new ArrayList<>();
    for (int i = 0; i < views.size(); i++) {
      CudaProgram.View v = views.get(i);
      KernelResolver.Resolution r = resolutions.get(i);
      if (i == base) {
        continue;
      }
      if (r.kernel() != null) {
        String key = Signatures.key(r.kernel());
        seen.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
        declarations.putIfAbsent(key, resolved(r.kernel()));
      } else if (v.built()) {
        if (r.problem().diagnostic() == Diagnostic.UNKNOWN_NAME) {
          missing.add(v);
        } else {
          Problem p = r.problem();
          problems.add(
              new Problem(
                  p.diagnostic(),
                  p.error(),
                  p.paramIndex(),
                  "for " + ViewLabels.buildTargets(List.of(v)) + ": " + p.message()));
        }
      }
    }
    if (seen.size() > 1) {
      problems.add(
          new Problem(
              Diagnostic.ARCH,
              true,
              -1,
              "the parameters of __global__ '"
                  + kernel.qualifiedName()
                  + "' depend on the architecture or compiler: "
                  + seen.entrySet().stream()
                      .map(
                          e ->
                              "for "
                                  + ViewLabels.of(e.getValue())
                                  + ": "
                                  + declarations.get(e.getKey()))
                      .collect(Collectors.joining("; "))
                  + ". One Java method launches the kernel on every GPU, so its parameters must be"
                  + " the same wherever it is compiled (its body may differ): move the #if into the"
                  + " body, or give each variant its own name"));
    }
    if (!missing.isEmpty()) {
      problems.add(
          new Problem(
              Diagnostic.ARCH,
              false,
              -1,
              "__global__ '"
                  + kernel.qualifiedName()
                  + "' is not compiled for "
                  + ViewLabels.buildTargets(missing)
                  + " (a preprocessor branch leaves it out there), which this build targets: loading"
                  + " the kernels on such a GPU fails with a missing function. Only a warning: the"
                  + " failure is loud, and a kernel meant only for some architectures is legitimate. "
                  + Quote.of(kernel)));
    }
    return new Outcome(kernel, problems);
  }

  private static Outcome unresolvedInBuild(
      NameExpression binding,
      List<CudaProgram.View> views,
      List<KernelResolver.Resolution> resolutions) {
    int firstBuilt = 0;
    while (!views.get(firstBuilt).built()) {
      firstBuilt++;
    }
    Problem problem = resolutions.get(firstBuilt).problem();
    List<CudaProgram.View> where = new ArrayList<>();
    CudaKernel elsewhere = null;
    for (int i = 0; i < views.size(); i++) {
      if (!views.get(i).built() && resolutions.get(i).kernel() != null) {
        where.add(views.get(i));
        elsewhere = elsewhere == null ? resolutions.get(i).kernel() : elsewhere;
      }
    }
    if (elsewhere == null || problem.diagnostic() != Diagnostic.UNKNOWN_NAME) {
      return new Outcome(null, List.of(problem));
    }
    String built = ViewLabels.buildTargets(views);
    return new Outcome(
        null,
        List.of(
            new Problem(
                Diagnostic.ARCH,
                true,
                -1,
                "'"
                    + binding.text()
                    + "' names a __global__ function only for "
                    + ViewLabels.of(where)
                    + " through a preprocessor branch on __CUDA_ARCH__ or the compiler, not for what this"
                    + " build compiles ("
                    + built
                    + "): the precompiled kernels would lack it on every GPU; compile it for the"
                    + " build's architectures too, or build for an architecture that has it"
                    + " (-Akernelj.archs). "
                    + Quote.of(elsewhere))));
  }

  /**
   * The declaration as messages quote it, with its parameter types as the aliases they are written
   * with resolve ({@code k(act_t* x)} reads the same in every variant; {@code k(__half* x)} does
   * not).
   */
  private static String resolved(CudaKernel k) {
    String params =
        k.params().stream().map(p -> p.type() + " " + p.name()).collect(Collectors.joining(", "));
    String resolved = k.qualifiedName() + "(" + params + ")";
    return k.declaration().contains(resolved.substring(k.qualifiedName().length()))
        ? k.declaration()
        : k.declaration() + " [as " + resolved + "]";
  }
}
