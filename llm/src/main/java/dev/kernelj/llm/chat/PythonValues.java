package dev.kernelj.llm.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The lists and dicts a template is given (messages, tools), as lists and maps that print as Python
 * prints them: {@code ['celsius', 'fahrenheit']}, {@code {'type': 'string', 'n': None}}, where
 * Java's would print {@code [celsius, fahrenheit]}. Qwen3-Coder's template prints a parameter's
 * enum this way, and templates that print a whole tool list show the model Python's form.
 */
final class PythonValues {

  private PythonValues() {}

  /** {@code value} with every map and list in it (recursively) one that prints as Python's. */
  static Object of(Object value) {
    if (value instanceof Map<?, ?> map) {
      PythonDict out = new PythonDict();
      map.forEach((k, v) -> out.put(k, of(v)));
      return out;
    }
    if (value instanceof Collection<?> items) {
      PythonList out = new PythonList();
      for (Object item : items) out.add(of(item));
      return out;
    }
    return value;
  }

  /** A list that prints as Python's. */
  static final class PythonList extends ArrayList<Object> {
    @Override
    public String toString() {
      return repr(this);
    }
  }

  /** A dict that prints as Python's. */
  static final class PythonDict extends LinkedHashMap<Object, Object> {
    @Override
    public String toString() {
      return repr(this);
    }
  }

  /** Python's {@code repr} of a value. */
  static String repr(Object v) {
    StringBuilder out = new StringBuilder();
    repr(v, out);
    return out.toString();
  }

  private static void repr(Object v, StringBuilder out) {
    if (v == null) {
      out.append("None");
    } else if (v instanceof Boolean b) {
      out.append(b ? "True" : "False");
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      out.append(
          Double.isNaN(d)
              ? "nan"
              : Double.isInfinite(d) ? (d > 0 ? "inf" : "-inf") : PythonJson.floatRepr(d));
    } else if (v instanceof Number n) {
      out.append(n);
    } else if (v instanceof CharSequence s) {
      string(s.toString(), out);
    } else if (v instanceof Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) out.append(", ");
        repr(e.getKey(), out);
        out.append(": ");
        repr(e.getValue(), out);
        first = false;
      }
      out.append('}');
    } else if (v instanceof Iterable<?> items) {
      out.append('[');
      boolean first = true;
      for (Object item : items) {
        if (!first) out.append(", ");
        repr(item, out);
        first = false;
      }
      out.append(']');
    } else {
      out.append(v);
    }
  }

  /** A str's repr: single quotes unless only double quotes avoid escaping. */
  private static void string(String s, StringBuilder out) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    out.append(quote);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c == quote) out.append('\\').append(c);
          else if (c < 0x20 || c == 0x7f) out.append(String.format("\\x%02x", (int) c));
          else out.append(c);
        }
      }
    }
    out.append(quote);
  }
}
