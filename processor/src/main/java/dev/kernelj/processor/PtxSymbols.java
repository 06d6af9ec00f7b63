package dev.kernelj.processor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the mangled kernel symbols that the precompiler's marker variables point at, from PTX lines
 * such as {@code .global .align 8 .u64 __kernelj_sym_0 = _Z5scaleIfEvPT_i;}.
 */
final class PtxSymbols {
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
}
