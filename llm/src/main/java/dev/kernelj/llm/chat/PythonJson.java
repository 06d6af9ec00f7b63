package dev.kernelj.llm.chat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps}, which is what transformers' {@code tojson} filter writes into
 * prompts: by default {@code ", "} and {@code ": "} separators ({@code ","} and {@code ": "} with
 * an indent), keys in insertion order, non-ASCII text unescaped, floats as Python prints them
 * ({@code 1e-05}, {@code 10000000.0}); with transformers' options {@code ensure_ascii}, {@code
 * indent}, {@code separators} and {@code sort_keys}.
 */
final class PythonJson {

  /**
   * {@code json.dumps}' options.
   *
   * @param ensureAscii escape non-ASCII characters as {@code \\uXXXX}
   * @param indent spaces per level, or null for one line
   * @param itemSeparator between items
   * @param keySeparator between a key and its value
   * @param sortKeys write each object's keys in sorted order
   */
  record Options(
      boolean ensureAscii,
      Integer indent,
      String itemSeparator,
      String keySeparator,
      boolean sortKeys) {

    /** transformers' defaults, with {@code indent}. */
    static Options of(Integer indent) {
      return new Options(false, indent, indent == null ? ", " : ",", ": ", false);
    }
  }

  private PythonJson() {}

  static String dumps(Object value, Integer indent) {
    return dumps(value, Options.of(indent));
  }

  static String dumps(Object value, Options options) {
    StringBuilder out = new StringBuilder();
    write(value, options, 0, out);
    return out.toString();
  }

  private static void write(Object v, Options o, int depth, StringBuilder out) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      out.append(
          Double.isNaN(d)
              ? "NaN"
              : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : floatRepr(d));
    } else if (v instanceof Number n) {
      out.append(n);
    } else if (v instanceof CharSequence s) {
      string(s.toString(), o.ensureAscii, out);
    } else if (v instanceof Map<?, ?> map) {
      List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
      if (o.sortKeys)
        entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
      container(
          '{',
          '}',
          entries.iterator(),
          o,
          depth,
          out,
          (e, w) -> {
            Map.Entry<?, ?> entry = (Map.Entry<?, ?>) e;
            string(String.valueOf(entry.getKey()), o.ensureAscii, w);
            w.append(o.keySeparator);
            write(entry.getValue(), o, depth + 1, w);
          });
    } else if (v instanceof Iterable<?> list) {
      container('[', ']', list.iterator(), o, depth, out, (e, w) -> write(e, o, depth + 1, w));
    } else if (v instanceof Object[] array) {
      write(java.util.Arrays.asList(array), o, depth, out);
    } else {
      string(v.toString(), o.ensureAscii, out);
    }
  }

  /**
   * Python's {@code repr} of a finite float: the shortest digits that read back the same, in
   * positional notation for exponents -4 to 15 ({@code 0.0001}, {@code 1e+16}), else scientific
   * with at least two exponent digits ({@code 1e-05}, {@code 1.5e+20}).
   */
  static String floatRepr(double d) {
    if (d == 0) return 1 / d < 0 ? "-0.0" : "0.0";
    BigDecimal shortest = shortest(Math.abs(d));
    String digits = shortest.unscaledValue().toString();
    int exponent = digits.length() - 1 - shortest.scale(); // of the first digit
    String sign = d < 0 ? "-" : "";
    if (exponent >= -4 && exponent < 16) {
      String plain = shortest.toPlainString();
      return sign + (plain.contains(".") ? plain : plain + ".0");
    }
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return sign
        + mantissa
        + "e"
        + (exponent < 0 ? "-" : "+")
        + (Math.abs(exponent) < 10 ? "0" : "")
        + Math.abs(exponent);
  }

  /**
   * The fewest significant digits that read back as {@code d}, rounded to nearest (what Python's
   * repr prints). Java 17's {@code Double.toString} is not always the shortest (JDK-4511638).
   */
  private static BigDecimal shortest(double d) {
    BigDecimal exact = new BigDecimal(d);
    for (int digits = 1; digits < 17; digits++) {
      BigDecimal rounded =
          exact.round(new java.math.MathContext(digits, java.math.RoundingMode.HALF_EVEN));
      if (rounded.doubleValue() == d) return rounded.stripTrailingZeros();
    }
    return exact
        .round(new java.math.MathContext(17, java.math.RoundingMode.HALF_EVEN))
        .stripTrailingZeros();
  }

  private interface ItemWriter {
    void write(Object item, StringBuilder out);
  }

  private static void container(
      char open,
      char close,
      Iterator<?> items,
      Options o,
      int depth,
      StringBuilder out,
      ItemWriter writer) {
    out.append(open);
    boolean first = true;
    while (items.hasNext()) {
      if (!first) out.append(o.itemSeparator);
      if (o.indent != null) out.append('\n').append(" ".repeat(o.indent * (depth + 1)));
      writer.write(items.next(), out);
      first = false;
    }
    if (o.indent != null && !first) out.append('\n').append(" ".repeat(o.indent * depth));
    out.append(close);
  }

  private static void string(String s, boolean ascii, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || ascii && c > 0x7e) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    out.append('"');
  }
}
