package dev.kernelj.llm.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Gives Jinjava the Python {@code str} and {@code dict} methods that Hugging Face chat templates
 * call ({@code content.startswith('<tool_response>')}, {@code
 * text.split('</think>')[-1].lstrip('\n')}, {@code message.items()}). Without it Jinjava looks for
 * Java methods: {@code startswith} does not exist and {@code split} would be Java's regex split,
 * which drops trailing empty strings.
 */
final class PythonMethodResolver extends ELResolver {

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (base == null || method == null) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result;
    if (base instanceof String s) {
      result = PythonStrings.call(s, method.toString(), args);
    } else if (base instanceof Map<?, ?> map) {
      result = mapMethod(map, method.toString(), args);
    } else {
      return null;
    }
    if (result == PythonStrings.NOT_HANDLED) {
      return null;
    }
    context.setPropertyResolved(true);
    return result;
  }

  private static Object mapMethod(Map<?, ?> map, String name, Object[] args) {
    switch (name) {
      case "items" -> {
        if (args.length != 0) return PythonStrings.NOT_HANDLED;
        List<List<Object>> items = new ArrayList<>();
        map.forEach((k, v) -> items.add(java.util.Arrays.asList(k, v))); // a None value stays None
        return items;
      }
      case "keys" -> {
        return args.length == 0 ? new ArrayList<>(map.keySet()) : PythonStrings.NOT_HANDLED;
      }
      case "values" -> {
        return args.length == 0 ? new ArrayList<>(map.values()) : PythonStrings.NOT_HANDLED;
      }
      case "get" -> {
        if (args.length == 2) return map.containsKey(args[0]) ? map.get(args[0]) : args[1];
        return PythonStrings.NOT_HANDLED;
      }
      default -> {
        return PythonStrings.NOT_HANDLED;
      }
    }
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return false;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {
    // Read-only: templates only call methods here.
  }
}
