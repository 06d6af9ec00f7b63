package dev.kernelj.llm.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Collection;
import java.util.Map;

/**
 * Jinja2's tests and filters where Jinjava's answer otherwise, or are missing, for the values chat
 * templates see: {@code indent} with {@code first} and {@code blank}, {@code min} and {@code max};
 * in Python a string is {@code iterable} and a {@code sequence}, and so is a dict (Llama 3's
 * template writes a tool result {@code | tojson} when it {@code is iterable}, so a string result is
 * quoted); and {@code trim} of an undefined value is "" (Jinjava's gives null, which a following
 * {@code +} prints as "null": Hermes 2 Pro's tool descriptions).
 */
final class JinjaBuiltins {

  private JinjaBuiltins() {}

  static void register(Jinjava jinjava) {
    jinjava.getGlobalContext().registerExpTest(new Named("iterable", JinjaBuiltins::iterable));
    jinjava.getGlobalContext().registerExpTest(new Named("sequence", JinjaBuiltins::sequence));
    Filter trim = jinjava.getGlobalContext().getFilter("trim");
    jinjava.getGlobalContext().registerFilter(new NullAsEmpty(trim));
    jinjava.getGlobalContext().registerFilter(new Default("default"));
    jinjava.getGlobalContext().registerFilter(new Default("d"));
    jinjava.getGlobalContext().registerFilter(new Indent());
    Filter string = jinjava.getGlobalContext().getFilter("string");
    jinjava.getGlobalContext().registerFilter(new PythonString(string));
    jinjava.getGlobalContext().registerFilter(new Extreme("min", -1));
    jinjava.getGlobalContext().registerFilter(new Extreme("max", 1));
  }

  /**
   * Jinja2's {@code indent(width=4, first=false, blank=false)}: every line but the first (unless
   * {@code first}) gets {@code width} spaces (or the string {@code width}), blank lines none
   * (unless {@code blank}). Jinjava's indented blank lines and took neither option.
   */
  private static final class Indent implements ValueFilter {
    @Override
    public String getName() {
      return "indent";
    }

    @Override
    public Object filter(
        Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object width = ValueFilter.option(args, kwargs, 0, "width", 4L);
      if (width instanceof Number n && n.longValue() > ChatTemplate.MAX_OUTPUT_BYTES) {
        throw new TemplateFunctions.TemplateLimitException(
            "indent(" + n + ") is wider than a render may be");
      }
      String indent =
          width instanceof Number n ? " ".repeat(Math.max(0, n.intValue())) : String.valueOf(width);
      boolean first = TemplateFunctions.truthy(ValueFilter.option(args, kwargs, 1, "first", false));
      boolean blank = TemplateFunctions.truthy(ValueFilter.option(args, kwargs, 2, "blank", false));
      // Jinja2 appends a newline first, so that a trailing newline survives splitlines().
      java.util.List<String> lines =
          PythonStrings.splitLines(String.valueOf(var == null ? "" : var) + "\n");
      StringBuilder out = new StringBuilder(first ? indent : "");
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (i > 0) {
          out.append('\n');
          if (blank || !line.isEmpty()) out.append(indent);
        }
        out.append(line);
      }
      return out.toString();
    }
  }

  /** Jinja2's {@code min} and {@code max}: strings compared ignoring case unless asked. */
  private record Extreme(String name, int sign) implements ValueFilter {
    @Override
    public String getName() {
      return name;
    }

    @Override
    public Object filter(
        Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      boolean caseSensitive =
          TemplateFunctions.truthy(ValueFilter.option(args, kwargs, 0, "case_sensitive", false));
      Object best = null;
      for (Object item : TemplateSequences.items(var)) {
        if (best == null || sign * compare(item, best, caseSensitive) > 0) best = item;
      }
      return best;
    }

    private static int compare(Object a, Object b, boolean caseSensitive) {
      if (a instanceof Number x && b instanceof Number y) {
        return Double.compare(x.doubleValue(), y.doubleValue());
      }
      String s = String.valueOf(a);
      String t = String.valueOf(b);
      return caseSensitive ? s.compareTo(t) : s.compareToIgnoreCase(t);
    }
  }

  static boolean iterable(Object v) {
    return v instanceof CharSequence
        || v instanceof Iterable<?>
        || v instanceof Map<?, ?>
        || v != null && v.getClass().isArray();
  }

  static boolean sequence(Object v) {
    return v instanceof CharSequence
        || v instanceof Collection<?>
        || v instanceof Map<?, ?>
        || v != null && v.getClass().isArray();
  }

  /** A test by name. */
  private record Named(String name, java.util.function.Predicate<Object> test) implements ExpTest {
    @Override
    public String getName() {
      return name;
    }

    @Override
    public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
      return test.test(var);
    }
  }

  /**
   * Jinja2's {@code default(value, default_value='', boolean=false)}: the default when the value is
   * undefined (or, with {@code boolean}, false), as the value it is: Jinjava's gave the text of its
   * argument, so {@code x | default(false)} was the string "false".
   */
  private record Default(String name) implements ValueFilter {
    @Override
    public String getName() {
      return name;
    }

    @Override
    public Object filter(
        Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      // Not ValueFilter.option: a default given as none is None, not the "" of no default.
      Object fallback =
          kwargs.containsKey("default_value")
              ? kwargs.get("default_value")
              : args.length > 0 ? args[0] : "";
      boolean onFalse =
          TemplateFunctions.truthy(ValueFilter.option(args, kwargs, 1, "boolean", false));
      return var == null || onFalse && !TemplateFunctions.truthy(var) ? fallback : var;
    }
  }

  /**
   * Jinja2's {@code string}: Python's {@code str}, so a boolean is "True" and a list its repr; an
   * undefined value (null here, as None is) gives "", as Jinja2's undefined does.
   */
  private record PythonString(Filter filter) implements Filter {
    @Override
    public String getName() {
      return "string";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      if (var == null) {
        return "";
      }
      if (var instanceof Boolean || var instanceof Iterable<?> || var instanceof Map<?, ?>) {
        return PythonValues.repr(var);
      }
      return filter.filter(var, interpreter, args);
    }
  }

  /** A string filter that, as Jinja2's on an undefined value, gives "" for null. */
  private record NullAsEmpty(Filter filter) implements Filter {
    @Override
    public String getName() {
      return filter.getName();
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return var == null ? "" : filter.filter(var, interpreter, args);
    }

    @Override
    public Object filter(
        Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      return var == null ? "" : filter.filter(var, interpreter, args, kwargs);
    }
  }
}
