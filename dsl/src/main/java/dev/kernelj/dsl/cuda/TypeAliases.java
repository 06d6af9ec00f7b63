package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code typedef} and {@code using} aliases declared at namespace scope, so that a parameter
 * written {@code real* x} after {@code typedef float real;} is checked as the {@code float*} it is.
 * Names are looked up as C++ does ({@link Namespaces#lookupFrom}): an unqualified one from the
 * kernel's namespace outward, through using-declarations ({@code using cfg::real;}) and
 * using-directives ({@code using namespace cfg;}); a qualified one ({@code f16::real}, {@code
 * fp::real} for {@code namespace fp = f16;}) in the namespace its qualifier names from there.
 */
final class TypeAliases {
  private static final int MAX_DEPTH = 16;

  private final Map<List<String>, Map<String, CudaType>> byScope = new HashMap<>();
  private final Namespaces namespaces;

  TypeAliases(Namespaces namespaces) {
    this.namespaces = namespaces;
  }

  void add(List<String> scope, String name, CudaType type) {
    byScope.computeIfAbsent(scope, s -> new HashMap<>()).put(name, type);
  }

  /**
   * {@code written} with its base replaced by what the alias stands for (through aliases of
   * aliases), or as written when the base is no alias.
   */
  CudaType resolve(CudaType written, List<String> scope) {
    CudaType type = written;
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
      CudaType target = find(type.base(), scope);
      if (target == null) {
        return type;
      }
      type = TemplateSubstitution.replace(type, target);
    }
    return type;
  }

  private CudaType find(String base, List<String> scope) {
    List<String> parts = new ArrayList<>(Arrays.asList(base.split("::", -1)));
    boolean rooted = parts.size() > 1 && parts.get(0).isEmpty();
    if (rooted) {
      parts.remove(0);
    }
    if (parts.stream().anyMatch(p -> p.isBlank() || p.contains(" ") || p.contains("<"))) {
      return null; // a builtin spelled in words, a template-id: no alias of ours
    }
    List<CudaType> found =
        namespaces.lookupFrom(
            new Namespaces.Written(parts, rooted, scope),
            (ns, name) -> {
              CudaType t = byScope.getOrDefault(ns, Map.of()).get(name);
              return t == null ? List.of() : List.of(t);
            });
    return found.isEmpty() ? null : found.get(0);
  }
}
