package dev.kernelj.llm.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;

/**
 * A filter that reads Jinja2's positional and keyword arguments as the values they are. Jinjava
 * calls the keyword form; the text form, which it keeps for older callers, is read as the same call
 * with its numbers as numbers.
 */
interface ValueFilter extends Filter {

  @Override
  Object filter(
      Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs);

  @Override
  default Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    Object[] values = new Object[args.length];
    for (int i = 0; i < args.length; i++) {
      values[i] = args[i] != null && args[i].matches("-?\\d+") ? Long.valueOf(args[i]) : args[i];
    }
    return filter(var, interpreter, values, Map.of());
  }

  /** Argument {@code name}, given by name or at {@code position}, else {@code otherwise}. */
  static Object option(
      Object[] args, Map<String, Object> kwargs, int position, String name, Object otherwise) {
    if (kwargs.containsKey(name)) return kwargs.get(name);
    return position < args.length && args[position] != null ? args[position] : otherwise;
  }
}
