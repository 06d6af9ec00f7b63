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
      if (defines(matcher)) {
        names.add(matcher.group(2));
      }
    }
    return names;
  }

  /**
   * Where the parameter list of the kernel {@code symbol} that the PTX defines starts (just after
   * its "("), or -1 when the PTX defines no such kernel.
   */
  static int parameterListStart(String ptx, String symbol) {
    Matcher matcher = ENTRY.matcher(ptx);
    while (matcher.find()) {
      if (defines(matcher) && matcher.group(2).equals(symbol)) {
        int i = matcher.end();
        while (i < ptx.length() && (ptx.charAt(i) == ' ' || ptx.charAt(i) == '\t')) i++;
        return i < ptx.length() && ptx.charAt(i) == '(' ? i + 1 : -1;
      }
    }
    return -1;
  }

  private static boolean defines(Matcher entry) {
    return !entry.group(1).contains(".extern");
  }
}
