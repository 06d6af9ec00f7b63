package dev.kernelj.llm.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Rewrites the expressions of one tag, where Jinjava parses Jinja2 differently, into equivalents it
 * reads the Jinja2 way:
 *
 * <ul>
 *   <li>string literals: Python's escapes ({@code \u00e9}, {@code \x41}, a backslash before a
 *       newline, an unknown {@code \d} kept as it is) are decoded and written back with the few
 *       escapes Jinjava reads;
 *   <li>{@code not}: Jinja2 binds it looser than comparisons ({@code not a == b} is {@code not (a
 *       == b)}), Jinjava tighter, so its operand is parenthesised;
 *   <li>slices ({@code l[:n+1]}, {@code l[::2]}, {@code s[::-1]}) become {@code __kernelj_slice(l,
 *       none, n+1, none)}, Python's slice semantics;
 *   <li>a dict literal in parentheses, {@code ({'a': 1, 'b': 2})}, which Jinjava reads as a list of
 *       one, loses the parentheses.
 * </ul>
 */
final class JinjaExpressions {

  /** The filter unknown filters become; registered by {@link ChatTemplate}. */
  static final String UNKNOWN_FILTER = "__kernelj_unknown_filter";

  /** The function conditions' operands are wrapped in; registered by {@link ChatTemplate}. */
  static final String TRUTHY = "__kernelj_truthy";

  /** The function slices become; registered by {@link ChatTemplate}. */
  static final String SLICE = "__kernelj_slice";

  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "not",
          "in",
          "is",
          "if",
          "else",
          "elif",
          "for",
          "set",
          "macro",
          "call",
          "filter",
          "recursive",
          "import",
          "include",
          "from",
          "as",
          "with",
          "without",
          "context",
          "do",
          "print",
          "block",
          "extends");

  private enum Kind {
    STRING,
    NAME,
    NUMBER,
    OP,
    SPACE
  }

  private record Tok(Kind kind, String text) {
    boolean is(String s) {
      return (kind == Kind.OP || kind == Kind.NAME) && text.equals(s);
    }

    /** Whether an expression can end with this token (so a "(" or "[" after it is a postfix). */
    boolean endsOperand() {
      return switch (kind) {
        case STRING, NUMBER -> true;
        case NAME -> !KEYWORDS.contains(text);
        case OP -> text.equals(")") || text.equals("]") || text.equals("}");
        case SPACE -> false;
      };
    }
  }

  private JinjaExpressions() {}

  /** The body of a tag, rewritten; unchanged where nothing applies. */
  static String rewrite(
      String body, java.util.function.Predicate<String> knownFilter, boolean block) {
    List<Tok> toks = tokens(body);
    if (toks == null) return body; // something this lexer does not read: left to Jinjava
    toks = unknownFilters(toks, knownFilter);
    toks = ternaries(ifCondition(unwrapDicts(slices(trailingCommas(toks)))));
    toks = block ? setValue(toks) : valueLogic(toks);
    toks = booleanEqualities(toks);
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

  // ------------------------------------------------------------------------- tokens

  private static List<Tok> tokens(String s) {
    List<Tok> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      int start = i;
      if (Character.isWhitespace(c)) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        out.add(new Tok(Kind.SPACE, s.substring(start, i)));
      } else if (c == '\'' || c == '"') {
        i++;
        while (i < s.length() && s.charAt(i) != c) i += s.charAt(i) == '\\' ? 2 : 1;
        if (i >= s.length()) return null;
        i++;
        out.add(new Tok(Kind.STRING, s.substring(start, i)));
      } else if (Character.isLetter(c) || c == '_') {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
          i++;
        }
        out.add(new Tok(Kind.NAME, s.substring(start, i)));
      } else if (Character.isDigit(c)) {
        while (i < s.length()
            && (Character.isLetterOrDigit(s.charAt(i))
                || s.charAt(i) == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))
                || (s.charAt(i) == '+' || s.charAt(i) == '-')
                    && (s.charAt(i - 1) == 'e' || s.charAt(i - 1) == 'E'))) {
          i++;
        }
        out.add(new Tok(Kind.NUMBER, s.substring(start, i)));
      } else {
        String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
        int length =
            switch (two) {
              case "==", "!=", "<=", ">=", "//", "**" -> 2;
              default -> 1;
            };
        i += length;
        out.add(new Tok(Kind.OP, s.substring(start, i)));
      }
    }
    return out;
  }

  private static int prev(List<Tok> toks, int i) {
    for (int j = i - 1; j >= 0; j--) if (toks.get(j).kind != Kind.SPACE) return j;
    return -1;
  }

  private static int next(List<Tok> toks, int i) {
    for (int j = i + 1; j < toks.size(); j++) if (toks.get(j).kind != Kind.SPACE) return j;
    return -1;
  }

  /** The bracket closing the one at {@code open}, or -1. */
  private static int closing(List<Tok> toks, int open) {
    int depth = 0;
    for (int j = open; j < toks.size(); j++) {
      Tok t = toks.get(j);
      if (t.kind != Kind.OP) continue;
      if (t.text.equals("(") || t.text.equals("[") || t.text.equals("{")) depth++;
      else if (t.text.equals(")") || t.text.equals("]") || t.text.equals("}")) {
        if (--depth == 0) return j;
      }
    }
    return -1;
  }

  /** The bracket opening the one at {@code close}, or -1. */
  private static int opening(List<Tok> toks, int close) {
    int depth = 0;
    for (int j = close; j >= 0; j--) {
      Tok t = toks.get(j);
      if (t.kind != Kind.OP) continue;
      if (t.text.equals(")") || t.text.equals("]") || t.text.equals("}")) depth++;
      else if (t.text.equals("(") || t.text.equals("[") || t.text.equals("{")) {
        if (--depth == 0) return j;
      }
    }
    return -1;
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
        if (t.kind == Kind.OP && (t.is("(") || t.is("[") || t.is("{"))) depth++;
        if (t.kind == Kind.OP && (t.is(")") || t.is("]") || t.is("}"))) depth--;
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
        boolean blank = p.stream().allMatch(t -> t.kind == Kind.SPACE);
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
      int depth = 0;
      for (int j = i + 1; j < close; j++) {
        Tok t = toks.get(j);
        if (t.is("(") || t.is("[") || t.is("{")) depth++;
        else if (t.is(")") || t.is("]") || t.is("}")) depth--;
        else if (depth == 0 && t.is(":")) return i;
      }
    }
    return -1;
  }

  /**
   * Where the operand (a postfix chain: names, attributes, calls, subscripts) ending at {@code end}
   * starts.
   */
  private static int operandStart(List<Tok> toks, int end) {
    Tok t = toks.get(end);
    int start = t.kind == Kind.OP ? opening(toks, end) : end;
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

  // ------------------------------------------------------------------------- conditions

  /**
   * An {@code if} or {@code elif} tag with its condition's operands tested for Python truth:
   * Jinjava counts the string "false" as false, so a message that is exactly "false" dropped out of
   * templates that ask {@code {% if message['content'] %}}.
   */
  private static List<Tok> ifCondition(List<Tok> toks) {
    int first = next(toks, -1);
    if (first < 0 || !(toks.get(first).is("if") || toks.get(first).is("elif"))) return toks;
    List<Tok> out = new ArrayList<>(toks.subList(0, first + 1));
    out.add(new Tok(Kind.SPACE, " "));
    out.addAll(condition(toks.subList(first + 1, toks.size())));
    return out;
  }

  /** Each {@code a if c else b} with its condition {@code c} tested for Python truth. */
  private static List<Tok> ternaries(List<Tok> toks) {
    List<Tok> out = new ArrayList<>(toks);
    for (int i = 0; i < out.size(); i++) {
      if (!out.get(i).is("if")) continue;
      int before = prev(out, i);
      if (before < 0 || !out.get(before).endsOperand()) continue; // a tag's own "if"
      int end = ternaryConditionEnd(out, i + 1);
      List<Tok> rewritten = new ArrayList<>(out.subList(0, i + 1));
      List<Tok> cond = new ArrayList<>();
      cond.add(new Tok(Kind.SPACE, " "));
      cond.addAll(condition(out.subList(i + 1, end)));
      cond.add(new Tok(Kind.SPACE, " "));
      rewritten.addAll(cond);
      rewritten.addAll(out.subList(end, out.size()));
      out = rewritten;
      i += cond.size();
    }
    return out;
  }

  /** Where a ternary's condition from {@code from} ends: at its else, or its bracket's end. */
  private static int ternaryConditionEnd(List<Tok> toks, int from) {
    int depth = 0;
    for (int j = from; j < toks.size(); j++) {
      Tok t = toks.get(j);
      if (t.is("(") || t.is("[") || t.is("{")) depth++;
      else if (t.is(")") || t.is("]") || t.is("}")) {
        if (depth-- == 0) return j;
      } else if (depth == 0 && (t.is("else") || t.is(",") || t.is(":"))) {
        return j;
      }
    }
    return toks.size();
  }

  /** A condition, with each operand of its and/or/not wrapped in the truth test. */
  static List<Tok> condition(List<Tok> toks) {
    List<Tok> out = new ArrayList<>();
    if (topLevelTernary(toks) >= 0) {
      // "a or b if c else d" is "(a or b) if c else d": tested whole, its parts are values
      out.add(new Tok(Kind.NAME, TRUTHY));
      out.add(new Tok(Kind.OP, "("));
      out.addAll(valueLogic(toks));
      out.add(new Tok(Kind.OP, ")"));
      return out;
    }
    List<List<Tok>> ors = split(toks, "or");
    for (int o = 0; o < ors.size(); o++) {
      if (o > 0) out.addAll(word("or"));
      List<List<Tok>> ands = split(ors.get(o), "and");
      for (int a = 0; a < ands.size(); a++) {
        if (a > 0) out.addAll(word("and"));
        out.addAll(operand(ands.get(a)));
      }
    }
    return out;
  }

  private static List<Tok> operand(List<Tok> toks) {
    int first = next(toks, -1);
    List<Tok> out = new ArrayList<>();
    if (first < 0) return toks;
    int last = prev(toks, toks.size());
    if (toks.get(first).is("not") && isUnaryNot(toks, first)) {
      out.add(new Tok(Kind.NAME, "not"));
      out.add(new Tok(Kind.SPACE, " "));
      out.add(new Tok(Kind.OP, "("));
      out.addAll(condition(toks.subList(first + 1, toks.size())));
      out.add(new Tok(Kind.OP, ")"));
      return out;
    }
    if (toks.get(first).is("(") && closing(toks, first) == last) {
      out.add(new Tok(Kind.OP, "("));
      out.addAll(condition(toks.subList(first + 1, last)));
      out.add(new Tok(Kind.OP, ")"));
      return out;
    }
    out.add(new Tok(Kind.NAME, TRUTHY));
    out.add(new Tok(Kind.OP, "("));
    out.addAll(toks.subList(first, last + 1));
    out.add(new Tok(Kind.OP, ")"));
    return out;
  }

  private static List<Tok> word(String keyword) {
    return List.of(new Tok(Kind.SPACE, " "), new Tok(Kind.NAME, keyword), new Tok(Kind.SPACE, " "));
  }

  /** {@code toks} split at each {@code word} outside brackets (and outside a nested ternary). */
  private static List<List<Tok>> split(List<Tok> toks, String word) {
    List<List<Tok>> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    boolean ternary = false;
    for (int j = 0; j < toks.size(); j++) {
      Tok t = toks.get(j);
      if (t.is("(") || t.is("[") || t.is("{")) depth++;
      else if (t.is(")") || t.is("]") || t.is("}")) depth--;
      else if (depth == 0 && t.is("if")) ternary = true;
      else if (depth == 0 && !ternary && t.is(word)) {
        parts.add(toks.subList(start, j));
        start = j + 1;
      }
    }
    parts.add(toks.subList(start, toks.size()));
    return parts;
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
      if (at < 0 || out.get(at).kind != Kind.NAME || knownFilter.test(out.get(at).text)) continue;
      String name = out.get(at).text;
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

  // ------------------------------------------------------------------------- a or b (values)

  /** {@code set x = VALUE}: the value's and/or with Python's values. */
  private static List<Tok> setValue(List<Tok> toks) {
    int first = next(toks, -1);
    if (first < 0 || !toks.get(first).is("set")) return toks;
    int depth = 0;
    for (int i = first + 1; i < toks.size(); i++) {
      Tok t = toks.get(i);
      if (t.is("(") || t.is("[") || t.is("{")) depth++;
      else if (t.is(")") || t.is("]") || t.is("}")) depth--;
      else if (depth == 0 && t.is("=")) {
        List<Tok> out = new ArrayList<>(toks.subList(0, i + 1));
        out.addAll(valueLogic(toks.subList(i + 1, toks.size())));
        return out;
      }
    }
    return toks;
  }

  /**
   * An expression whose value is used (printed, set): Python's {@code a or b} is a if a is true
   * else b, and {@code a and b} is b if a is true else a, where Jinjava's give a boolean and count
   * the string "false" as false. Each becomes a conditional expression on {@code __kernelj_truthy},
   * which evaluates the second operand only when Python would.
   */
  private static List<Tok> valueLogic(List<Tok> toks) {
    int ternary = topLevelTernary(toks);
    if (ternary >= 0) {
      int otherwise = topLevelWordFrom(toks, "else", ternary + 1);
      List<Tok> out = new ArrayList<>(valueLogic(toks.subList(0, ternary)));
      out.addAll(toks.subList(ternary, otherwise < 0 ? toks.size() : otherwise + 1));
      if (otherwise >= 0) out.addAll(valueLogic(toks.subList(otherwise + 1, toks.size())));
      return out;
    }
    List<List<Tok>> ors = split(toks, "or");
    List<Tok> value = andValue(ors.get(ors.size() - 1));
    for (int k = ors.size() - 2; k >= 0; k--) {
      List<Tok> a = andValue(ors.get(k));
      value = choose(a, a, value); // a if a else (the rest)
    }
    return value;
  }

  private static List<Tok> andValue(List<Tok> toks) {
    List<List<Tok>> ands = split(toks, "and");
    List<Tok> value = notValue(ands.get(0));
    for (int k = 1; k < ands.size(); k++) {
      value = choose(value, notValue(ands.get(k)), value); // b if a else a
    }
    return value;
  }

  /** {@code not x} with Python's truth of x; a parenthesised operand rewritten inside. */
  private static List<Tok> notValue(List<Tok> toks) {
    int first = next(toks, -1);
    if (first < 0) return toks;
    int last = prev(toks, toks.size());
    List<Tok> out = new ArrayList<>();
    if (toks.get(first).is("not") && isUnaryNot(toks, first)) {
      out.add(new Tok(Kind.NAME, "not"));
      out.add(new Tok(Kind.SPACE, " "));
      out.add(new Tok(Kind.NAME, TRUTHY));
      out.add(new Tok(Kind.OP, "("));
      out.addAll(valueLogic(toks.subList(first + 1, toks.size())));
      out.add(new Tok(Kind.OP, ")"));
      return out;
    }
    if (toks.get(first).is("(") && closing(toks, first) == last) {
      out.addAll(toks.subList(0, first + 1));
      out.addAll(valueLogic(toks.subList(first + 1, last)));
      out.addAll(toks.subList(last, toks.size()));
      return out;
    }
    return toks;
  }

  /**
   * {@code ((then) if __kernelj_truthy(test) else (otherwise))}, one operand whatever surrounds it.
   */
  private static List<Tok> choose(List<Tok> test, List<Tok> then, List<Tok> otherwise) {
    List<Tok> out = new ArrayList<>();
    out.add(new Tok(Kind.OP, "("));
    out.add(new Tok(Kind.OP, "("));
    out.addAll(then);
    out.add(new Tok(Kind.OP, ")"));
    out.addAll(word("if"));
    out.add(new Tok(Kind.NAME, TRUTHY));
    out.add(new Tok(Kind.OP, "("));
    out.addAll(test);
    out.add(new Tok(Kind.OP, ")"));
    out.addAll(word("else"));
    out.add(new Tok(Kind.OP, "("));
    out.addAll(otherwise);
    out.add(new Tok(Kind.OP, ")"));
    out.add(new Tok(Kind.OP, ")"));
    return out;
  }

  /** The {@code if} of a conditional expression at the top level of {@code toks}, or -1. */
  private static int topLevelTernary(List<Tok> toks) {
    int depth = 0;
    for (int i = 0; i < toks.size(); i++) {
      Tok t = toks.get(i);
      if (t.is("(") || t.is("[") || t.is("{")) depth++;
      else if (t.is(")") || t.is("]") || t.is("}")) depth--;
      else if (depth == 0 && t.is("if")) {
        int before = prev(toks, i);
        if (before >= 0 && toks.get(before).endsOperand()) return i;
      }
    }
    return -1;
  }

  private static int topLevelWordFrom(List<Tok> toks, String word, int from) {
    int depth = 0;
    for (int i = from; i < toks.size(); i++) {
      Tok t = toks.get(i);
      if (t.is("(") || t.is("[") || t.is("{")) depth++;
      else if (t.is(")") || t.is("]") || t.is("}")) depth--;
      else if (depth == 0 && t.is(word)) return i;
    }
    return -1;
  }

  // ------------------------------------------------------------------------- x == false

  /** The function comparisons with a boolean become; registered by {@link ChatTemplate}. */
  static final String EQUALS = "__kernelj_eq";

  private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", ">", "<=", ">=");

  /** Each {@code a == true} (or {@code !=}, either side) as Python's equality. */
  private static List<Tok> booleanEqualities(List<Tok> toks) {
    for (int guard = 0; guard < 1000; guard++) {
      int at = -1;
      int left = -1;
      int right = -1;
      for (int i = 0; i < toks.size() && at < 0; i++) {
        if (!(toks.get(i).is("==") || toks.get(i).is("!="))) continue;
        int l = operandFrom(toks, i);
        int r = operandTo(toks, i);
        int lFirst = next(toks, l - 1);
        int rFirst = next(toks, i);
        if (lFirst >= 0 && isBooleanLiteral(toks.get(lFirst))
            || rFirst >= 0 && isBooleanLiteral(toks.get(rFirst))) {
          at = i;
          left = l;
          right = r;
        }
      }
      if (at < 0) return toks;
      boolean equal = toks.get(at).is("==");
      List<Tok> out = new ArrayList<>(toks.subList(0, left));
      if (!equal)
        out.addAll(
            List.of(new Tok(Kind.OP, "("), new Tok(Kind.NAME, "not"), new Tok(Kind.SPACE, " ")));
      out.add(new Tok(Kind.NAME, EQUALS));
      out.add(new Tok(Kind.OP, "("));
      out.addAll(toks.subList(left, at));
      out.add(new Tok(Kind.OP, ","));
      out.addAll(toks.subList(at + 1, right));
      out.add(new Tok(Kind.OP, ")"));
      if (!equal) out.add(new Tok(Kind.OP, ")"));
      out.addAll(toks.subList(right, toks.size()));
      toks = out;
    }
    return toks;
  }

  private static boolean isBooleanLiteral(Tok t) {
    return t.kind == Kind.NAME
        && (t.text.equals("true")
            || t.text.equals("false")
            || t.text.equals("True")
            || t.text.equals("False"));
  }

  /** Whether a comparison's operand ends (going either way) at this token. */
  private static boolean bounds(Tok t) {
    return t.is(",")
        || t.is(":")
        || t.is("=")
        || t.is("and")
        || t.is("or")
        || t.is("not")
        || t.is("if")
        || t.is("else")
        || t.is("in")
        || t.is("elif")
        || t.is("for")
        || t.is("set")
        || t.kind == Kind.OP && COMPARISONS.contains(t.text);
  }

  /** Where the left operand of the comparison at {@code op} starts. */
  private static int operandFrom(List<Tok> toks, int op) {
    int i = op - 1;
    while (i >= 0) {
      Tok t = toks.get(i);
      if (t.is(")") || t.is("]") || t.is("}")) {
        int open = opening(toks, i);
        if (open < 0) return i + 1;
        i = open - 1;
        continue;
      }
      if (t.is("(") || t.is("[") || t.is("{") || bounds(t)) return i + 1;
      i--;
    }
    return 0;
  }

  /** Where the right operand of the comparison at {@code op} ends (exclusive). */
  private static int operandTo(List<Tok> toks, int op) {
    int i = op + 1;
    while (i < toks.size()) {
      Tok t = toks.get(i);
      if (t.is("(") || t.is("[") || t.is("{")) {
        int close = closing(toks, i);
        if (close < 0) return toks.size();
        i = close + 1;
        continue;
      }
      if (t.is(")") || t.is("]") || t.is("}") || bounds(t)) return i;
      i++;
    }
    return toks.size();
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
      if (t.kind == Kind.STRING) {
        out.append(literal(t.text));
      } else if (t.is("not") && isUnaryNot(toks, i)) {
        int end = notOperandEnd(toks, i + 1, to);
        out.append("not (");
        emit(toks, i + 1, end, out);
        out.append(')');
        i = end - 1;
      } else if (t.is("}") && out.length() > 0 && out.charAt(out.length() - 1) == '}') {
        out.append(" }"); // "}}" would end a {{ }} tag in Jinjava's lexer
      } else if (t.is("+") || t.is("-")) {
        // Jinjava fails on "n+1" inside brackets ("[n+1]", "f(n+1)"); " + " it reads.
        out.append(' ').append(t.text).append(' ');
      } else {
        out.append(t.text);
      }
    }
  }

  /** Not the {@code not} of {@code is not} or of {@code not in}. */
  private static boolean isUnaryNot(List<Tok> toks, int i) {
    int before = prev(toks, i);
    int after = next(toks, i);
    if (before >= 0 && toks.get(before).is("is")) return false;
    return after >= 0 && !toks.get(after).is("in");
  }

  /** Where a unary {@code not}'s operand ends: at and/or/if/else or a bracket it did not open. */
  private static int notOperandEnd(List<Tok> toks, int from, int to) {
    int depth = 0;
    for (int j = from; j < to; j++) {
      Tok t = toks.get(j);
      if (t.is("(") || t.is("[") || t.is("{")) depth++;
      else if (t.is(")") || t.is("]") || t.is("}")) {
        if (depth-- == 0) return j;
      } else if (depth == 0
          && (t.is("and") || t.is("or") || t.is("if") || t.is("else") || t.is(",") || t.is(":"))) {
        return j;
      }
    }
    return to;
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
