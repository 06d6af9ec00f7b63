package dev.kernelj.llm.chat;

import static dev.kernelj.llm.chat.JinjaTokens.closing;
import static dev.kernelj.llm.chat.JinjaTokens.isUnaryNot;
import static dev.kernelj.llm.chat.JinjaTokens.next;
import static dev.kernelj.llm.chat.JinjaTokens.opening;
import static dev.kernelj.llm.chat.JinjaTokens.operandEnd;
import static dev.kernelj.llm.chat.JinjaTokens.prev;
import static dev.kernelj.llm.chat.JinjaTokens.topLevel;

import dev.kernelj.llm.chat.JinjaTokens.Kind;
import dev.kernelj.llm.chat.JinjaTokens.Tok;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Python's truth in a tag's expressions, where Jinjava's differs (it counts the string "false" as
 * false, its {@code and} gives a boolean, its {@code ==} turns the other side of a boolean into a
 * boolean): conditions test {@code __kernelj_truthy}, {@code and}/{@code or} whose value is used
 * become conditional expressions, and comparisons with {@code true}/{@code false} become {@code
 * __kernelj_eq}.
 */
final class JinjaTruth {

  /** The function conditions' operands are wrapped in; registered by {@link ChatTemplate}. */
  static final String TRUTHY = "__kernelj_truthy";

  private JinjaTruth() {}

  // ------------------------------------------------------------------------- conditions

  /**
   * An {@code if} or {@code elif} tag with its condition's operands tested for Python truth:
   * Jinjava counts the string "false" as false, so a message that is exactly "false" dropped out of
   * templates that ask {@code {% if message['content'] %}}.
   */
  static List<Tok> ifCondition(List<Tok> toks) {
    int first = next(toks, -1);
    if (first < 0 || !(toks.get(first).is("if") || toks.get(first).is("elif"))) return toks;
    List<Tok> out = new ArrayList<>(toks.subList(0, first + 1));
    out.add(new Tok(Kind.SPACE, " "));
    out.addAll(condition(toks.subList(first + 1, toks.size())));
    return out;
  }

  /** Each {@code a if c else b} with its condition {@code c} tested for Python truth. */
  static List<Tok> ternaries(List<Tok> toks) {
    List<Tok> out = new ArrayList<>(toks);
    for (int i = 0; i < out.size(); i++) {
      if (!out.get(i).is("if")) continue;
      int before = prev(out, i);
      if (before < 0 || !out.get(before).endsOperand()) continue; // a tag's own "if"
      // the condition ends at its else, or at its bracket's end
      int end = operandEnd(out, i + 1, out.size(), "else", ",", ":");
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
      if (t.opens()) depth++;
      else if (t.closes()) depth--;
      else if (depth == 0 && t.is("if")) ternary = true;
      else if (depth == 0 && !ternary && t.is(word)) {
        parts.add(toks.subList(start, j));
        start = j + 1;
      }
    }
    parts.add(toks.subList(start, toks.size()));
    return parts;
  }

  // ------------------------------------------------------------------------- a or b (values)

  /** {@code set x = VALUE}: the value's and/or with Python's values. */
  static List<Tok> setValue(List<Tok> toks) {
    int first = next(toks, -1);
    if (first < 0 || !toks.get(first).is("set")) return toks;
    int assign = topLevel(toks, first + 1, toks.size(), "=");
    if (assign < 0) return toks;
    List<Tok> out = new ArrayList<>(toks.subList(0, assign + 1));
    out.addAll(valueLogic(toks.subList(assign + 1, toks.size())));
    return out;
  }

  /**
   * An expression whose value is used (printed, set): Python's {@code a or b} is a if a is true
   * else b, and {@code a and b} is b if a is true else a, where Jinjava's give a boolean and count
   * the string "false" as false. Each becomes a conditional expression on {@code __kernelj_truthy},
   * which evaluates the second operand only when Python would.
   */
  static List<Tok> valueLogic(List<Tok> toks) {
    int ternary = topLevelTernary(toks);
    if (ternary >= 0) {
      int otherwise = topLevel(toks, ternary + 1, toks.size(), "else");
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
    for (int i = topLevel(toks, 0, toks.size(), "if");
        i >= 0;
        i = topLevel(toks, i + 1, toks.size(), "if")) {
      int before = prev(toks, i);
      if (before >= 0 && toks.get(before).endsOperand()) return i;
    }
    return -1;
  }

  // ------------------------------------------------------------------------- x == false

  /** The function comparisons with a boolean become; registered by {@link ChatTemplate}. */
  static final String EQUALS = "__kernelj_eq";

  private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", ">", "<=", ">=");

  /** Each {@code a == true} (or {@code !=}, either side) as Python's equality. */
  static List<Tok> booleanEqualities(List<Tok> toks) {
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
    return t.kind() == Kind.NAME
        && (t.text().equals("true")
            || t.text().equals("false")
            || t.text().equals("True")
            || t.text().equals("False"));
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
        || t.kind() == Kind.OP && COMPARISONS.contains(t.text());
  }

  /** Where the left operand of the comparison at {@code op} starts. */
  private static int operandFrom(List<Tok> toks, int op) {
    int i = op - 1;
    while (i >= 0) {
      Tok t = toks.get(i);
      if (t.closes()) {
        int open = opening(toks, i);
        if (open < 0) return i + 1;
        i = open - 1;
        continue;
      }
      if (t.opens() || bounds(t)) return i + 1;
      i--;
    }
    return 0;
  }

  /** Where the right operand of the comparison at {@code op} ends (exclusive). */
  private static int operandTo(List<Tok> toks, int op) {
    int i = op + 1;
    while (i < toks.size()) {
      Tok t = toks.get(i);
      if (t.opens()) {
        int close = closing(toks, i);
        if (close < 0) return toks.size();
        i = close + 1;
        continue;
      }
      if (t.closes() || bounds(t)) return i;
      i++;
    }
    return toks.size();
  }
}
