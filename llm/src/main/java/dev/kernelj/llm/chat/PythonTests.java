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
