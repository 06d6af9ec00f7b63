package dev.kernelj.processor;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PTX: the mangled kernel symbols that the precompiler's marker variables point at, from
 * lines such as {@code .global .align 8 .u64 __kernelj_sym_0 = _Z5scaleIfEvPT_i;}, and the kernels
 * the PTX defines ({@code .visible .entry saxpy(}, but not {@code .extern .entry f(}).
 */
final class PtxSymbols {
  private static final Pattern ENTRY =
      Pattern.compile(
          "^[ \\t]*((?:\\.(?:visible|weak|extern)[ \\t]+)*)\\.entry[ \\t]+([A-Za-z_$][\\w$]*)",
          Pattern.MULTILINE);

  private PtxSymbols() {}

  /** Symbol per marker index, for the variables named {@code variablePrefix + index}. */
  static Map<Integer, String> read(String ptx, String variablePrefix) {
    Pattern pattern =
        Pattern.compile(
            "\\.[ub]64\\s+"
                + Pattern.quote(variablePrefix)
                + "(\\d+)\\s*=\\s*([A-Za-z_$][\\w$]*)\\s*;");
    Map<Integer, String> symbols = new LinkedHashMap<>();
    Matcher matcher = pattern.matcher(ptx);
    while (matcher.find()) {
      symbols.put(Integer.parseInt(matcher.group(1)), matcher.group(2));
    }
    return symbols;
  }

  /** The kernels the PTX defines (declarations marked {@code .extern} are not definitions). */
  static Set<String> entries(String ptx) {
    Set<String> names = new LinkedHashSet<>();
    Matcher matcher = ENTRY.matcher(ptx);
    while (matcher.find()) {
      if (!matcher.group(1).contains(".extern")) {
        names.add(matcher.group(2));
      }
    }
    return names;
  }
}
