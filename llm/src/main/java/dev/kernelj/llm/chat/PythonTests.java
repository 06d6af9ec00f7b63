package dev.kernelj.llm.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Collection;
import java.util.Map;

/**
 * Jinja2's tests and filters where Jinjava answers otherwise for the values chat templates see: in
 * Python a string is {@code iterable} and a {@code sequence}, and so is a dict (Llama 3's template
 * writes a tool result {@code | tojson} when it {@code is iterable}, so a string result is quoted);
 * and {@code trim} of an undefined value is "" (Jinjava's gives null, which a following {@code +}
 * prints as "null": Hermes 2 Pro's tool descriptions).
 */
final class PythonTests {

  private PythonTests() {}

  static void register(Jinjava jinjava) {
    jinjava.getGlobalContext().registerExpTest(new Named("iterable", PythonTests::iterable));
    jinjava.getGlobalContext().registerExpTest(new Named("sequence", PythonTests::sequence));
    Filter trim = jinjava.getGlobalContext().getFilter("trim");
    jinjava.getGlobalContext().registerFilter(new NullAsEmpty(trim));
    jinjava.getGlobalContext().registerFilter(new Default("default"));
    jinjava.getGlobalContext().registerFilter(new Default("d"));
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
  private record Default(String name) implements Filter {
    @Override
    public String getName() {
      return name;
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return filter(var, interpreter, args, Map.of());
    }

    @Override
    public Object filter(
        Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object fallback =
          kwargs.containsKey("default_value")
              ? kwargs.get("default_value")
              : args.length > 0 ? args[0] : "";
      Object bool =
          kwargs.containsKey("boolean") ? kwargs.get("boolean") : args.length > 1 ? args[1] : null;
      boolean onFalse = bool != null && TemplateFunctions.truthy(bool);
      return var == null || onFalse && !TemplateFunctions.truthy(var) ? fallback : var;
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
