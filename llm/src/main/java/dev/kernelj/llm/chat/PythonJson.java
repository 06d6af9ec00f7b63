package dev.kernelj.llm.chat;

import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code json.dumps(value, ensure_ascii=False)} output, which is what transformers' {@code
 * tojson} filter writes into prompts: {@code ", "} and {@code ": "} separators, keys in insertion
 * order, non-ASCII text unescaped.
 */
final class PythonJson {

  private PythonJson() {}

  static String dumps(Object value, Integer indent) {
    StringBuilder out = new StringBuilder();
    write(value, indent, 0, out);
    return out.toString();
  }

  private static void write(Object v, Integer indent, int depth, StringBuilder out) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      out.append(
          d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16
              ? String.valueOf((long) d) + ".0"
              : String.valueOf(d));
    } else if (v instanceof Number n) {
      out.append(n);
    } else if (v instanceof CharSequence s) {
      string(s.toString(), out);
    } else if (v instanceof Map<?, ?> map) {
      container(
          '{',
          '}',
          map.entrySet().iterator(),
          indent,
          depth,
          out,
          (e, o) -> {
            Map.Entry<?, ?> entry = (Map.Entry<?, ?>) e;
            string(String.valueOf(entry.getKey()), o);
            o.append(": ");
            write(entry.getValue(), indent, depth + 1, o);
          });
    } else if (v instanceof Iterable<?> list) {
      container(
          '[', ']', list.iterator(), indent, depth, out, (e, o) -> write(e, indent, depth + 1, o));
    } else if (v instanceof Object[] array) {
      write(java.util.Arrays.asList(array), indent, depth, out);
    } else {
      string(v.toString(), out);
    }
  }

  private interface ItemWriter {
    void write(Object item, StringBuilder out);
  }

  private static void container(
      char open,
      char close,
      Iterator<?> items,
      Integer indent,
      int depth,
      StringBuilder out,
      ItemWriter writer) {
    out.append(open);
    boolean first = true;
    while (items.hasNext()) {
      if (!first) out.append(indent == null ? ", " : ",");
      if (indent != null) out.append('\n').append(" ".repeat(indent * (depth + 1)));
      writer.write(items.next(), out);
      first = false;
    }
    if (indent != null && !first) out.append('\n').append(" ".repeat(indent * depth));
    out.append(close);
  }

  private static void string(String s, StringBuilder out) {
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
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    out.append('"');
  }
}
