package dev.kernelj.processor;

import dev.kernelj.dsl.check.Diagnostic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads what nvcc produced for each binding from the PTX of every architecture: the symbol of each
 * C++ kernel and instantiation (through the precompiler's marker variables), whether a kernel of
 * that symbol is there at all, and the parameters it takes ({@link PtxParams}). A binding whose
 * kernel no architecture has, or whose symbol differs between architectures, cannot be loaded; one
 * whose compiled parameters the Java method does not fit would be launched wrong. All three are
 * reported here, at build time, rather than as a missing function or garbage at run time.
 */
final class BoundSymbols {
  /**
   * The symbol of each binding that has one, keyed by name expression, or the problem that prevents
   * binding.
   */
  record Result(Map<String, String> lowered, Optional<NvccPrecompiler.Unbound> problem) {}

  private BoundSymbols() {}

  /**
   * @param unnamed the methods whose symbol the marker variable {@code prefix + i} names, in order
   * @param markerPtxByArch the PTX holding the marker variables, by architecture; empty when none
   * @param entryPtxByArch the PTX of the compiled kernels, by architecture; empty when nvcc kept
   *     none
   */
  static Result check(
      KernelInterfaceModel model,
      List<KernelMethodModel> unnamed,
      Map<Integer, String> markerPtxByArch,
      Map<Integer, String> entryPtxByArch,
      String prefix) {
    Map<Integer, Map<Integer, String>> markers = new LinkedHashMap<>();
    Map<Integer, Set<String>> entries = new LinkedHashMap<>();
    markerPtxByArch.forEach((arch, ptx) -> markers.put(arch, PtxSymbols.read(ptx, prefix)));
    entryPtxByArch.forEach((arch, ptx) -> entries.put(arch, PtxSymbols.entries(ptx)));
    Map<String, String> lowered = new LinkedHashMap<>();
    for (KernelMethodModel method : model.methods()) {
      if (method.cSymbol().isPresent()) {
        lowered.put(method.nameExpression(), method.cSymbol().get());
        continue;
      }
      int index = unnamed.indexOf(method);
      Map<Integer, String> byArch = new LinkedHashMap<>();
      markers.forEach(
          (arch, symbols) -> {
            String symbol = symbols.get(index);
            if (symbol != null) {
              byArch.put(arch, inEntries(symbol, entries.get(arch)));
            }
          });
      Set<String> distinct = new LinkedHashSet<>(byArch.values());
      if (distinct.size() > 1) {
        return problem(
            Diagnostic.ARCH,
            "nvcc gives "
                + what(model, method)
                + " a different symbol for each architecture ("
                + describe(byArch)
                + "): its parameters depend on __CUDA_ARCH__, but one Java method launches it on"
                + " every GPU; keep the parameters the same and let only the body differ");
      }
      if (!distinct.isEmpty()) {
        lowered.put(method.nameExpression(), distinct.iterator().next());
      }
    }
    if (!entries.isEmpty()) {
      for (KernelMethodModel method : model.methods()) {
        String symbol = lowered.get(method.nameExpression());
        if (symbol != null
            && entries.values().stream().noneMatch(defined -> defined.contains(symbol))) {
          return problem(
              Diagnostic.UNDEFINED,
              "nvcc compiled the CUDA C of "
                  + model.qualifiedName()
                  + " for "
                  + archList(entries.keySet())
                  + ", but its output has no kernel "
                  + symbol
                  + " for "
                  + what(model, method)
                  + ": the declaration has no body nvcc compiled (none at all, or one in a"
                  + " preprocessor branch nvcc skips); define the kernel in this source");
        }
      }
    }
    for (KernelMethodModel method : model.methods()) {
      String symbol = lowered.get(method.nameExpression());
      for (Map.Entry<Integer, String> ptx : entryPtxByArch.entrySet()) {
        Optional<List<PtxParams.Param>> compiled =
            symbol == null ? Optional.empty() : PtxParams.of(ptx.getValue(), symbol);
        Optional<String> mismatch = compiled.flatMap(params -> mismatch(method, params));
        if (mismatch.isPresent()) {
          return problem(
              Diagnostic.COMPILED_PARAMS,
              "nvcc compiled "
                  + what(model, method)
                  + " for sm_"
                  + ptx.getKey()
                  + " with other parameters than the declaration KernelJ checked: "
                  + mismatch.get()
                  + ". The source reads differently to nvcc and to KernelJ (a preprocessor"
                  + " condition on a macro from a header, or a type name resolved another way);"
                  + " what nvcc compiled is what runs, so make the Java method match it, or write"
                  + " the declaration without that condition or alias");
        }
      }
    }
    return new Result(lowered, Optional.empty());
  }

  /** How the Java method's parameters disagree with the compiled ones, if they do. */
  static Optional<String> mismatch(KernelMethodModel method, List<PtxParams.Param> compiled) {
    List<KernelParamModel> params = method.params();
    if (params.size() != compiled.size()) {
      return Optional.of(
          "its kernel takes "
              + compiled.size()
              + (compiled.size() == 1 ? " parameter" : " parameters")
              + ", but the Java method passes "
              + params.size());
    }
    for (int i = 0; i < params.size(); i++) {
      KernelParamModel param = params.get(i);
      if (!PtxParams.fits(param.type(), compiled.get(i))) {
        return Optional.of(
            "parameter "
                + (i + 1)
                + " ('"
                + param.name()
                + "') is "
                + param.type().javaSpelling()
                + " in Java, but the compiled kernel takes a "
                + compiled.get(i).describe());
      }
    }
    return Optional.empty();
  }

  /**
   * The symbol as the fat binary's PTX names it. The markers come from a compile of another file,
   * and an anonymous namespace's mangled name carries a hash of its file ({@code
   * 50_GLOBAL__N__ea592fec_17_K_symbols_cu_79bdb2ee}): such a symbol is matched to the one entry
   * that differs from it in that component alone.
   */
  static String inEntries(String symbol, Set<String> entries) {
    if (entries == null || entries.contains(symbol) || !symbol.contains(ANONYMOUS)) {
      return symbol;
    }
    String key = withoutAnonymousNamespaces(symbol);
    List<String> matches =
        entries.stream().filter(e -> withoutAnonymousNamespaces(e).equals(key)).toList();
    return matches.size() == 1 ? matches.get(0) : symbol;
  }

  private static final String ANONYMOUS = "_GLOBAL__N_";

  /** The mangled name with each anonymous namespace's length-prefixed component replaced by "@". */
  static String withoutAnonymousNamespaces(String mangled) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < mangled.length()) {
      int at = mangled.indexOf(ANONYMOUS, i);
      if (at < 0) {
        break;
      }
      int digits = at;
      while (digits > i && Character.isDigit(mangled.charAt(digits - 1))) {
        digits--;
      }
      if (digits == at) { // not a length-prefixed component: keep it as it is
        out.append(mangled, i, at + ANONYMOUS.length());
        i = at + ANONYMOUS.length();
        continue;
      }
      int length = Integer.parseInt(mangled.substring(digits, at));
      out.append(mangled, i, digits).append('@');
      i = Math.min(mangled.length(), at + length);
    }
    return out.append(mangled.substring(i)).toString();
  }

  private static String what(KernelInterfaceModel model, KernelMethodModel method) {
    return "'"
        + method.nameExpression()
        + "' (bound by "
        + model.qualifiedName()
        + "."
        + method.methodName()
        + ")";
  }

  private static String describe(Map<Integer, String> byArch) {
    List<String> parts = new ArrayList<>();
    byArch.forEach((arch, symbol) -> parts.add("sm_" + arch + ": " + symbol));
    return String.join(", ", parts);
  }

  private static String archList(Set<Integer> archs) {
    return String.join(", ", archs.stream().map(a -> "sm_" + a).toList());
  }

  private static Result problem(Diagnostic diagnostic, String message) {
    return new Result(Map.of(), Optional.of(new NvccPrecompiler.Unbound(diagnostic, message)));
  }
}
