package dev.kernelj.llm.chat;

import static dev.kernelj.llm.chat.JinjaTokens.closing;
import static dev.kernelj.llm.chat.JinjaTokens.isUnaryNot;
import static dev.kernelj.llm.chat.JinjaTokens.next;
import static dev.kernelj.llm.chat.JinjaTokens.opening;
import static dev.kernelj.llm.chat.JinjaTokens.operandEnd;
import static dev.kernelj.llm.chat.JinjaTokens.prev;
import static dev.kernelj.llm.chat.JinjaTokens.tokens;
import static dev.kernelj.llm.chat.JinjaTokens.topLevel;

import dev.kernelj.llm.chat.JinjaTokens.Kind;
import dev.kernelj.llm.chat.JinjaTokens.Tok;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites the expressions of one tag, where Jinjava parses Jinja2 differently, into equivalents it
 * reads the Jinja2 way:
 *
 * <ul>
 *   <li>string literals: Python's escapes ({@code \u00e9}, {@code \x41}, a backslash before a
 *       newline, an unknown {@code \d} kept as it is) are decoded and written back with the few
 *       escapes Jinjava reads; one holding a tag delimiter (two closing braces, say) is split in
 *       two;
 *   <li>{@code not}: Jinja2 binds it looser than comparisons ({@code not a == b} is {@code not (a
 *       == b)}), Jinjava tighter, so its operand is parenthesised;
 *   <li>slices ({@code l[:n+1]}, {@code l[::2]}, {@code s[::-1]}) become {@code __kernelj_slice(l,
 *       none, n+1, none)}, Python's slice semantics;
 *   <li>a dict literal in parentheses, {@code ({'a': 1, 'b': 2})}, which Jinjava reads as a list of
 *       one, loses the parentheses; a trailing comma in a list, dict or call is dropped;
 *   <li>a filter the renderer lacks becomes {@code __kernelj_unknown_filter('name', ...)}, which
 *       fails where it runs;
 *   <li>{@code +} and {@code -} get spaces around them (Jinjava fails on {@code [n+1]}), and two
 *       closing braces in a row inside a tag get a space between them;
 *   <li>Python's truth, {@code and}/{@code or} values and equality with booleans: {@link
 *       JinjaTruth}.
 * </ul>
 */
final class JinjaExpressions {

  /** The filter unknown filters become; registered by {@link ChatTemplate}. */
  static final String UNKNOWN_FILTER = "__kernelj_unknown_filter";

  /** The function slices become; registered by {@link ChatTemplate}. */
  static final String SLICE = "__kernelj_slice";

  private JinjaExpressions() {}

  /** The body of a tag, rewritten; unchanged where nothing applies. */
  static String rewrite(
      String body, java.util.function.Predicate<String> knownFilter, boolean block) {
    List<Tok> toks = tokens(body);
    if (toks == null) return body; // something this lexer does not read: left to Jinjava
    toks = unknownFilters(toks, knownFilter);
    toks = JinjaTruth.ternaries(JinjaTruth.ifCondition(unwrapDicts(slices(trailingCommas(toks)))));
    toks = block ? JinjaTruth.setValue(toks) : JinjaTruth.valueLogic(toks);
    toks = JinjaTruth.booleanEqualities(toks);
    StringBuilder out = new StringBuilder(body.length() + 16);
    emit(toks, 0, toks.size(), out);
    return out.toString();
  }

  /**
   * {@code rewrite} applied to {@code body} with its string literals set aside, so that a text
   * rewrite (a regex) never touches what a string says.
   */
  static String outsideStrings(String body, java.util.function.UnaryOperator<String> rewrite) {
    List<String> strings = new ArrayList<>();
    StringBuilder masked = new StringBuilder(body.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c != '\'' && c != '"') {
        masked.append(c);
        continue;
      }
      int end = i + 1;
      while (end < body.length() && body.charAt(end) != c) end += body.charAt(end) == '\\' ? 2 : 1;
      end = Math.min(end + 1, body.length());
      masked.append('\u0001').append(strings.size()).append('\u0002');
      strings.add(body.substring(i, end));
      i = end - 1;
    }
    String out = rewrite.apply(masked.toString());
    for (int k = 0; k < strings.size(); k++) {
      out = out.replace("\u0001" + k + "\u0002", strings.get(k));
    }
    return out;
  }

  // ------------------------------------------------------------------------- slices

  /** Every {@code x[a:b:c]} as {@code __kernelj_slice(x, a, b, c)}. */
  private static List<Tok> slices(List<Tok> toks) {
    for (int guard = 0; guard < 1000; guard++) {
      int at = firstSlice(toks);
      if (at < 0) return toks;
      int close = closing(toks, at);
      int start = operandStart(toks, prev(toks, at));
      List<List<Tok>> parts = new ArrayList<>();
      List<Tok> part = new ArrayList<>();
      int depth = 0;
      for (int j = at + 1; j < close; j++) {
        Tok t = toks.get(j);
        if (t.opens()) depth++;
        if (t.closes()) depth--;
        if (depth == 0 && t.is(":")) {
          parts.add(part);
          part = new ArrayList<>();
        } else {
          part.add(t);
        }
      }
      parts.add(part);
      while (parts.size() < 3) parts.add(new ArrayList<>());
      List<Tok> call = new ArrayList<>();
      call.add(new Tok(Kind.NAME, SLICE));
      call.add(new Tok(Kind.OP, "("));
      call.addAll(toks.subList(start, at));
      for (List<Tok> p : parts) {
        call.add(new Tok(Kind.OP, ","));
        boolean blank = p.stream().allMatch(t -> t.kind() == Kind.SPACE);
        if (blank) call.add(new Tok(Kind.NAME, "none"));
        else call.addAll(p);
      }
      call.add(new Tok(Kind.OP, ")"));
      List<Tok> out = new ArrayList<>(toks.subList(0, start));
      out.addAll(call);
      out.addAll(toks.subList(close + 1, toks.size()));
      toks = out;
    }
    return toks;
  }

  /** The first "[" that subscripts an operand with a top-level ":" inside, or -1. */
  private static int firstSlice(List<Tok> toks) {
    for (int i = 0; i < toks.size(); i++) {
      if (!toks.get(i).is("[")) continue;
      int before = prev(toks, i);
      if (before < 0 || !toks.get(before).endsOperand()) continue;
      int close = closing(toks, i);
      if (close < 0) return -1;
      if (topLevel(toks, i + 1, close, ":") >= 0) return i;
    }
    return -1;
  }

  /**
   * Where the operand (a postfix chain: names, attributes, calls, subscripts) ending at {@code end}
   * starts.
   */
  private static int operandStart(List<Tok> toks, int end) {
    Tok t = toks.get(end);
    int start = t.kind() == Kind.OP ? opening(toks, end) : end;
    if (start < 0) return end;
    int before = prev(toks, start);
    if (before < 0) return start;
    Tok b = toks.get(before);
    if (b.is(".")) {
      int owner = prev(toks, before);
      return owner < 0 ? start : operandStart(toks, owner);
    }
    boolean postfix = toks.get(start).is("(") || toks.get(start).is("[");
    return postfix && b.endsOperand() ? operandStart(toks, before) : start;
  }

  // ------------------------------------------------------------------------- x | nosuch

  /**
   * Each filter the renderer lacks as {@code __kernelj_unknown_filter('name', args...)}, which
   * fails where it runs: Jinja2 looks a filter up when it is applied, so one in a branch that never
   * runs is no error.
   */
  private static List<Tok> unknownFilters(
      List<Tok> toks, java.util.function.Predicate<String> knownFilter) {
    List<Tok> out = new ArrayList<>(toks);
    for (int i = 0; i < out.size(); i++) {
      if (!out.get(i).is("|")) continue;
      int at = next(out, i);
      if (at < 0 || out.get(at).kind() != Kind.NAME || knownFilter.test(out.get(at).text()))
        continue;
      String name = out.get(at).text();
      out.set(at, new Tok(Kind.NAME, UNKNOWN_FILTER));
      int open = next(out, at);
      Tok quoted = new Tok(Kind.STRING, "'" + name + "'");
      if (open >= 0 && out.get(open).is("(")) {
        int first = next(out, open);
        boolean empty = first >= 0 && out.get(first).is(")");
        out.add(open + 1, quoted);
        if (!empty) out.add(open + 2, new Tok(Kind.OP, ","));
      } else {
        out.add(at + 1, new Tok(Kind.OP, "("));
        out.add(at + 2, quoted);
        out.add(at + 3, new Tok(Kind.OP, ")"));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------- [a, b,]

  /**
   * Whether the ")" at {@code close} ends a call's arguments (not a tuple, where "(1,)" needs it).
   */
  private static boolean isCallEnd(List<Tok> toks, int close) {
    if (!toks.get(close).is(")")) return false;
    int open = opening(toks, close);
    int before = open < 0 ? -1 : prev(toks, open);
    return before >= 0 && toks.get(before).endsOperand();
  }

  /**
   * A comma before {@code ]}, {@code }} or a call's {@code )} dropped: Jinja2 allows it, Jinjava
   * fails on it.
   */
  private static List<Tok> trailingCommas(List<Tok> toks) {
    List<Tok> out = new ArrayList<>(toks);
    for (int i = 0; i < out.size(); i++) {
      if (!out.get(i).is(",")) continue;
      int after = next(out, i);
      if (after >= 0
          && (out.get(after).is("]") || out.get(after).is("}") || isCallEnd(out, after))) {
        out.set(i, new Tok(Kind.SPACE, ""));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------- ({...})

  private static List<Tok> unwrapDicts(List<Tok> toks) {
    List<Tok> out = new ArrayList<>(toks);
    for (int i = 0; i < out.size(); i++) {
      if (!out.get(i).is("(")) continue;
      int before = prev(out, i);
      if (before >= 0 && out.get(before).endsOperand()) continue; // a call
      int dict = next(out, i);
      if (dict < 0 || !out.get(dict).is("{")) continue;
      int dictEnd = closing(out, dict);
      int close = dictEnd < 0 ? -1 : next(out, dictEnd);
      if (close < 0 || !out.get(close).is(")")) continue;
      out.set(close, new Tok(Kind.SPACE, ""));
      out.set(i, new Tok(Kind.SPACE, ""));
    }
    return out;
  }

  // ------------------------------------------------------------------------- not, strings

  private static void emit(List<Tok> toks, int from, int to, StringBuilder out) {
    for (int i = from; i < to; i++) {
      Tok t = toks.get(i);
      if (t.kind() == Kind.STRING) {
        out.append(literal(t.text()));
      } else if (t.is("not") && isUnaryNot(toks, i)) {
        // the operand ends at and/or/if/else or a bracket it did not open
        int end = operandEnd(toks, i + 1, to, "and", "or", "if", "else", ",", ":");
        out.append("not (");
        emit(toks, i + 1, end, out);
        out.append(')');
        i = end - 1;
      } else if (t.is("}") && out.length() > 0 && out.charAt(out.length() - 1) == '}') {
        out.append(" }"); // "}}" would end a {{ }} tag in Jinjava's lexer
      } else if (t.is("+") || t.is("-")) {
        // Jinjava fails on "n+1" inside brackets ("[n+1]", "f(n+1)"); " + " it reads.
        out.append(' ').append(t.text()).append(' ');
      } else {
        out.append(t.text());
      }
    }
  }

  /** Two characters that Jinjava's lexer reads as a tag's start or end even inside a string. */
  private static final List<String> DELIMITERS = List.of("}}", "%}", "#}", "{{", "{%", "{#");

  /**
   * A string literal with Python's escapes decoded, written back with those Jinjava reads; one that
   * holds a tag delimiter ("}}") is written as pieces joined by {@code ~}, split inside the
   * delimiter, since Jinjava would end the tag there.
   */
  static String literal(String token) {
    char quote = token.charAt(0);
    String raw = token.substring(1, token.length() - 1);
    boolean delimiter = DELIMITERS.stream().anyMatch(raw::contains);
    if (raw.indexOf('\\') < 0 && raw.indexOf('\n') < 0 && !delimiter) return token;
    String value = PythonStrings.unescape(raw);
    if (DELIMITERS.stream().anyMatch(value::contains)) {
      List<String> pieces = new ArrayList<>();
      int start = 0;
      for (int i = 1; i < value.length(); i++) {
        if (DELIMITERS.contains(value.substring(i - 1, i + 1))) {
          pieces.add(value.substring(start, i));
          start = i;
        }
      }
      pieces.add(value.substring(start));
      StringBuilder joined = new StringBuilder("(");
      for (int k = 0; k < pieces.size(); k++) {
        if (k > 0) joined.append(" ~ ");
        joined.append(quoted(pieces.get(k), quote));
      }
      return joined.append(')').toString();
    }
    return quoted(value, quote);
  }

  private static String quoted(String value, char quote) {
    StringBuilder out = new StringBuilder(value.length() + 8).append(quote);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c == quote) out.append('\\');
          out.append(c);
        }
      }
    }
    return out.append(quote).toString();
  }
}
