package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code typedef} and {@code using} aliases declared at namespace scope, so that a parameter
 * written {@code real* x} after {@code typedef float real;} is checked as the {@code float*} it is.
 * A name is looked up from the kernel's namespace outward, as C++ does for an unqualified name; a
 * qualified one ({@code f16::real}) in the namespace it names.
 */
final class TypeAliases {
  private static final int MAX_DEPTH = 16;

  private final Map<List<String>, Map<String, CudaType>> byScope = new HashMap<>();

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
    if (base.contains("::")) {
      List<String> parts = new ArrayList<>(Arrays.asList(base.split("::", -1)));
      if (parts.get(0).isEmpty()) {
        parts.remove(0);
      }
      String name = parts.remove(parts.size() - 1);
      return byScope.getOrDefault(parts, Map.of()).get(name);
    }
    for (List<String> s = scope; ; s = s.subList(0, s.size() - 1)) {
      CudaType t = byScope.getOrDefault(s, Map.of()).get(base);
      if (t != null || s.isEmpty()) {
        return t;
      }
    }
  }
}
