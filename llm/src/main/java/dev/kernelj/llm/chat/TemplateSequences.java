package dev.kernelj.llm.chat;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's sequence semantics for the functions {@link JinjaSourceRewriter} and {@link
 * JinjaExpressions} write into a template: slices, the items a {@code for} loop walks, and the
 * neighbours of a loop's item ({@code loop.previtem}, {@code loop.nextitem}), none of which Jinjava
 * has in Jinja2's form.
 */
public final class TemplateSequences {

  private TemplateSequences() {}

  /** {@code seq[start:stop:step]} of a string or a sequence; a null bound is Python's None. */
  public static Object slice(Object seq, Object start, Object stop, Object step) {
    if (seq == null) return null;
    long by = step == null ? 1 : integer(step, "slice step");
    if (by == 0) throw new IllegalArgumentException("slice step cannot be zero");
    if (seq instanceof CharSequence text) {
      int[] points = text.codePoints().toArray();
      StringBuilder out = new StringBuilder();
      for (int i : indices(points.length, start, stop, by)) out.appendCodePoint(points[i]);
      return out.toString();
    }
    List<Object> items = items(seq);
    List<Object> out = new ArrayList<>();
    for (int i : indices(items.size(), start, stop, by)) out.add(items.get(i));
    return out;
  }

  /** The indices Python's {@code slice(start, stop, step).indices(length)} walks. */
  private static List<Integer> indices(int length, Object start, Object stop, long step) {
    long lo;
    long hi;
    if (step > 0) {
      lo = start == null ? 0 : clamp(integer(start, "slice start"), length, 0, length);
      hi = stop == null ? length : clamp(integer(stop, "slice stop"), length, 0, length);
    } else {
      lo =
          start == null ? length - 1 : clamp(integer(start, "slice start"), length, -1, length - 1);
      hi = stop == null ? -1 : clamp(integer(stop, "slice stop"), length, -1, length - 1);
    }
    List<Integer> out = new ArrayList<>();
    for (long i = lo; step > 0 ? i < hi : i > hi; i += step) out.add((int) i);
    return out;
  }

  private static long clamp(long index, int length, long low, long high) {
    long i = index < 0 ? index + length : index;
    return Math.max(low, Math.min(high, i));
  }

  private static long integer(Object o, String what) {
    if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()))
      return n.longValue();
    throw new IllegalArgumentException(what + " must be an integer or none, not " + o);
  }

  /**
   * The items a {@code for} loop over {@code value} walks, as Python's: a dict's keys, a sequence's
   * items, a string's characters; nothing for none.
   */
  public static List<Object> items(Object value) {
    if (value == null) return new ArrayList<>();
    if (value instanceof Map<?, ?> map) return new ArrayList<>(map.keySet());
    if (value instanceof Collection<?> c) return new ArrayList<>(c);
    if (value instanceof Iterable<?> it) {
      List<Object> out = new ArrayList<>();
      it.forEach(out::add);
      return out;
    }
    if (value instanceof CharSequence text) {
      List<Object> out = new ArrayList<>();
      text.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
      return out;
    }
    if (value.getClass().isArray()) {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < Array.getLength(value); i++) out.add(Array.get(value, i));
      return out;
    }
    List<Object> one = new ArrayList<>();
    one.add(value);
    return one;
  }

  /** The items of {@code seq} at the indices {@code keep}, in order (a loop's {@code if}). */
  public static List<Object> pick(Object seq, Object keep) {
    List<Object> items = items(seq);
    List<Object> out = new ArrayList<>();
    for (Object i : items(keep)) out.add(items.get((int) integer(i, "index")));
    return out;
  }

  /** {@code loop.previtem}: the item before the {@code index0}th, or none for the first. */
  public static Object previous(Object seq, Object index0) {
    List<?> items = seq instanceof List<?> list ? list : items(seq);
    int i = (int) integer(index0, "index") - 1;
    return i >= 0 && i < items.size() ? items.get(i) : null;
  }

  /** {@code loop.nextitem}: the item after the {@code index0}th, or none for the last. */
  public static Object following(Object seq, Object index0) {
    List<?> items = seq instanceof List<?> list ? list : items(seq);
    int i = (int) integer(index0, "index") + 1;
    return i >= 0 && i < items.size() ? items.get(i) : null;
  }

  /** The {@code items} filter: a dict's (key, value) pairs. */
  public static List<Object> pairs(Object value) {
    List<Object> out = new ArrayList<>();
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> out.add(java.util.Arrays.asList(k, v))); // a None value stays None
    }
    return out;
  }
}
