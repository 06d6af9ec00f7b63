package dev.kernelj.llm.chat;

import com.hubspot.jinjava.lib.fn.Functions;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The global functions transformers adds to the chat-template environment. They are static because
 * Jinjava binds functions to static methods; the clock for {@code strftime_now} is therefore set
 * per render on the rendering thread.
 */
public final class TemplateFunctions {

  /** Thrown by {@code raise_exception}: the template rejected the conversation. */
  static final class TemplateRaisedException extends RuntimeException {
    TemplateRaisedException(String message) {
      super(message);
    }
  }

  /** Thrown when a render spends more than its loop budget. */
  static final class TemplateLimitException extends RuntimeException {
    TemplateLimitException(String message) {
      super(message);
    }
  }

  /** Items all {@code range()} calls of one render may produce together. */
  static final int RANGE_BUDGET = 100_000;

  static final ThreadLocal<Clock> CLOCK = ThreadLocal.withInitial(Clock::systemDefaultZone);

  /**
   * Macro calls one render may make: a budget on work that loops and output size do not bound, such
   * as a macro that calls itself twice (2^32 calls at the recursion limit, hours of rendering). A
   * real template's macros run a few times a message.
   */
  static final int MACRO_CALL_BUDGET = 20_000;

  /** Macro calls the render running on this thread may still make. */
  static final ThreadLocal<int[]> MACRO_CALLS_LEFT =
      ThreadLocal.withInitial(() -> new int[] {MACRO_CALL_BUDGET});

  /**
   * Counts one macro call (each macro's body is guarded by it, {@link JinjaSourceRewriter}): true
   * while the render is within its budget; past it false, so the call renders nothing and the
   * render ends with an error ({@link #macroBudgetSpent}).
   */
  public static boolean macroCall() {
    return --MACRO_CALLS_LEFT.get()[0] >= 0;
  }

  /** The error of a render that ran past its macro budget, or null. */
  static String macroBudgetSpent() {
    return MACRO_CALLS_LEFT.get()[0] >= 0
        ? null
        : "the template makes more than "
            + MACRO_CALL_BUDGET
            + " macro calls in one render (a macro that calls itself more than once?)";
  }

  /** Items {@code range()} may still produce in the render running on this thread. */
  static final ThreadLocal<int[]> RANGE_LEFT = ThreadLocal.withInitial(() -> new int[1]);

  private TemplateFunctions() {}

  /**
   * The functions transformers hands every chat template as globals. Jinjava resolves a call
   * through its function table but a bare name through the context, so each is also put in the
   * context as this stand-in: Llama 3.2's {@code strftime_now is defined} then holds, as in Jinja2.
   */
  static final Map<String, Object> GLOBALS =
      Map.of(
          "raise_exception", new Global("raise_exception"),
          "strftime_now", new Global("strftime_now"));

  /** What a template sees when it names a global function without calling it. */
  record Global(String name) {
    @Override
    public String toString() {
      return "<function " + name + ">";
    }
  }

  /**
   * Python's truth of a value, which the rewritten conditions test ({@link JinjaExpressions}):
   * Jinjava's own counts the string "false" as false.
   */
  public static boolean truthy(Object v) {
    if (v == null) return false;
    if (v instanceof Boolean b) return b;
    if (v instanceof Number n) return n.doubleValue() != 0;
    if (v instanceof CharSequence s) return s.length() > 0;
    if (v instanceof java.util.Collection<?> c) return !c.isEmpty();
    if (v instanceof Map<?, ?> m) return !m.isEmpty();
    if (v.getClass().isArray()) return java.lang.reflect.Array.getLength(v) > 0;
    return true;
  }

  /**
   * Python's {@code a == b} for the comparisons with a boolean that the rewrite hands over: a
   * boolean equals the same boolean and the number of its value (True == 1), and no string, list or
   * none.
   */
  public static boolean pythonEquals(Object a, Object b) {
    if (a == b) return true;
    if (a == null || b == null) return false;
    boolean numericA = a instanceof Number || a instanceof Boolean;
    boolean numericB = b instanceof Number || b instanceof Boolean;
    if (numericA && numericB) {
      return numeric(a).compareTo(numeric(b)) == 0;
    }
    if (a instanceof CharSequence && b instanceof CharSequence) {
      return a.toString().equals(b.toString());
    }
    return a.equals(b);
  }

  private static java.math.BigDecimal numeric(Object v) {
    if (v instanceof Boolean b) return b ? java.math.BigDecimal.ONE : java.math.BigDecimal.ZERO;
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      return Double.isFinite(d)
          ? new java.math.BigDecimal(d)
          : java.math.BigDecimal.valueOf(Long.MAX_VALUE);
    }
    return new java.math.BigDecimal(v.toString());
  }

  /** {@code raise_exception(message)}: aborts rendering with the template's own message. */
  public static Object raiseException(String message) {
    throw new TemplateRaisedException(message);
  }

  /**
   * {@code range(...)} as Jinjava computes it, charged against the render's budget: loops nested in
   * loops multiply, and a template must not be able to spin for hours on a few lines.
   */
  public static List<Integer> range(Object first, Object... rest) {
    List<Integer> items = Functions.range(first, rest);
    int[] left = RANGE_LEFT.get();
    left[0] -= items.size();
    if (left[0] < 0) {
      throw new TemplateLimitException(
          "the template's loops ask for more than "
              + RANGE_BUDGET
              + " range() items in one render");
    }
    return items;
  }

  /** {@code strftime_now(format)}: the current date/time in a Python {@code strftime} format. */
  public static String strftimeNow(String format) {
    return strftime(ZonedDateTime.now(CLOCK.get()), format);
  }

  /** Python's strftime for the directives chat templates use (%d %b %B %Y %m %H %M %S ...). */
  static String strftime(ZonedDateTime t, String format) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        out.append(c);
        continue;
      }
      char d = format.charAt(++i);
      out.append(
          switch (d) {
            case 'd' -> String.format("%02d", t.getDayOfMonth());
            case 'e' -> String.format("%2d", t.getDayOfMonth());
            case 'm' -> String.format("%02d", t.getMonthValue());
            case 'Y' -> String.valueOf(t.getYear());
            case 'y' -> String.format("%02d", t.getYear() % 100);
            case 'H' -> String.format("%02d", t.getHour());
            case 'I' -> String.format("%02d", (t.getHour() + 11) % 12 + 1);
            case 'M' -> String.format("%02d", t.getMinute());
            case 'S' -> String.format("%02d", t.getSecond());
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'j' -> String.format("%03d", t.getDayOfYear());
            case 'b' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'z' -> t.format(DateTimeFormatter.ofPattern("xx"));
            case '%' -> "%";
            default -> "%" + d;
          });
    }
    return out.toString();
  }
}
