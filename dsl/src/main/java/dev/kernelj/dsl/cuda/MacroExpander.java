package dev.kernelj.dsl.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Replaces macros as C's preprocessor does ([cpp.replace]): object-like and function-like macros,
 * arguments fully expanded before substitution unless an operand of {@code #} or {@code ##},
 * stringification, token pasting with placemarkers, {@code __VA_ARGS__}, {@code __VA_OPT__}, the
 * GNU {@code , ## __VA_ARGS__} comma, and rescanning with hide sets so that a macro never expands
 * inside its own expansion. {@code _Pragma("...")} operators are dropped: they never form part of a
 * declaration.
 */
final class MacroExpander {
  private final MacroTable macros;
  private final TokenSource source;
  private final Deque<CudaToken> pending = new ArrayDeque<>();

  MacroExpander(MacroTable macros, TokenSource source) {
    this.macros = macros;
    this.source = source;
  }

  /** Every token of {@code tokens} with the macros in it replaced, as an argument is expanded. */
  static List<CudaToken> expandAll(MacroTable macros, List<CudaToken> tokens) {
    MacroExpander expander = new MacroExpander(macros, TokenSource.of(tokens));
    List<CudaToken> out = new ArrayList<>();
    for (CudaToken t = expander.next(); t != null; t = expander.next()) {
      out.add(t);
    }
    return out;
  }

  /** The next fully expanded token, or null at the end of the input. */
  CudaToken next() {
    while (true) {
      CudaToken t = read();
      if (t == null) {
        return null;
      }
      if (t.kind() == CudaToken.Kind.PLACEMARKER) {
        continue;
      }
      if (!t.isIdentifier() || t.hideSet().contains(t.text())) {
        return t;
      }
      String name = t.text();
      Macro macro = macros.get(name);
      if (macro == null) {
        if (MacroTable.isDynamic(name)) {
          return macros
              .dynamic(name, t.line())
              .expandedAt(t.line(), name, t.hideSet(), t.spaceBefore());
        }
        if (name.equals("_Pragma") && skipPragmaOperator()) {
          continue;
        }
        return t;
      }
      if (!macro.functionLike()) {
        pushFront(substitute(macro, t, List.of(), union(t.hideSet(), name)));
        continue;
      }
      CudaToken open = read();
      if (open == null || !open.isPunct("(")) {
        if (open != null) {
          pending.addFirst(open);
        }
        return t; // a function-like macro's name without '(' is an ordinary identifier
      }
      Arguments args = collectArguments(macro, t);
      Set<String> hide = new HashSet<>(t.hideSet());
      hide.retainAll(args.closing().hideSet());
      hide.add(name);
      pushFront(substitute(macro, t, args.values(), Set.copyOf(hide)));
    }
  }

  private CudaToken read() {
    return pending.isEmpty() ? source.next() : pending.pollFirst();
  }

  private void pushFront(List<CudaToken> tokens) {
    for (int i = tokens.size() - 1; i >= 0; i--) {
      pending.addFirst(tokens.get(i));
    }
  }

  /** After {@code _Pragma}: drops {@code ( "text" )} and says whether it did. */
  private boolean skipPragmaOperator() {
    List<CudaToken> seen = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CudaToken t = read();
      if (t == null) {
        break;
      }
      seen.add(t);
    }
    boolean pragma =
        seen.size() == 3
            && seen.get(0).isPunct("(")
            && seen.get(1).kind() == CudaToken.Kind.STRING
            && seen.get(2).isPunct(")");
    if (!pragma) {
      pushFront(seen);
    }
    return pragma;
  }

  private record Arguments(List<List<CudaToken>> values, CudaToken closing) {}

  private Arguments collectArguments(Macro macro, CudaToken nameToken) {
    List<List<CudaToken>> args = new ArrayList<>();
    List<CudaToken> current = new ArrayList<>();
    int depth = 0;
    int named = macro.variadic() ? macro.params().size() - 1 : Integer.MAX_VALUE;
    CudaToken closing;
    while (true) {
      CudaToken a = read();
      if (a == null) {
        throw new CudaParseException(
            nameToken.line(), "unterminated argument list invoking macro " + macro.name());
      }
      if (a.isPunct("(")) {
        depth++;
      } else if (a.isPunct(")")) {
        if (depth == 0) {
          closing = a;
          break;
        }
        depth--;
      } else if (a.isPunct(",") && depth == 0 && args.size() < named) {
        args.add(current);
        current = new ArrayList<>();
        continue;
      }
      current.add(a);
    }
    args.add(current);
    int params = macro.params().size();
    if (params == 0 && args.size() == 1 && args.get(0).isEmpty()) {
      args.clear();
    } else if (macro.variadic() && args.size() == params - 1) {
      args.add(new ArrayList<>()); // the variadic part left out entirely: F(a) for F(x, ...)
    }
    if (args.size() != params) {
      throw new CudaParseException(
          nameToken.line(),
          "macro "
              + macro.name()
              + " takes "
              + (macro.variadic() ? "at least " + (params - 1) : params)
              + " argument"
              + (params == 1 ? "" : "s")
              + " but "
              + args.size()
              + (args.size() == 1 ? " is" : " are")
              + " given");
    }
    return new Arguments(args, closing);
  }

  /** The macro's replacement for this invocation, stamped with its origin and hide set. */
  private List<CudaToken> substitute(
      Macro macro, CudaToken nameToken, List<List<CudaToken>> args, Set<String> hide) {
    List<CudaToken> replaced = new Substitution(macro, args).run(macro.body());
    List<CudaToken> out = new ArrayList<>(replaced.size());
    String origin = nameToken.macro().isEmpty() ? macro.name() : nameToken.macro();
    for (int i = 0; i < replaced.size(); i++) {
      CudaToken r = replaced.get(i);
      Set<String> tokenHide = r.hideSet().isEmpty() ? hide : union(r.hideSet(), hide);
      boolean space = i == 0 ? nameToken.spaceBefore() : r.spaceBefore();
      out.add(r.expandedAt(nameToken.line(), origin, tokenHide, space));
    }
    return out;
  }

  private static Set<String> union(Set<String> a, String name) {
    Set<String> s = new HashSet<>(a);
    s.add(name);
    return Set.copyOf(s);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> s = new HashSet<>(a);
    s.addAll(b);
    return Set.copyOf(s);
  }

  /** Parameter substitution, {@code #}, {@code ##} and {@code __VA_OPT__} over one body. */
  private final class Substitution {
    private final Macro macro;
    private final List<List<CudaToken>> args;

    Substitution(Macro macro, List<List<CudaToken>> args) {
      this.macro = macro;
      this.args = args;
    }

    List<CudaToken> run(List<CudaToken> body) {
      List<CudaToken> out = new ArrayList<>();
      for (int i = 0; i < body.size(); i++) {
        CudaToken b = body.get(i);
        boolean pasteAfter = i + 1 < body.size() && body.get(i + 1).isPunct("##");
        if (macro.functionLike() && b.isPunct("#") && i + 1 < body.size()) {
          CudaToken operand = body.get(i + 1);
          if (isVaOpt(operand)) {
            int close = vaOptEnd(body, i + 2);
            out.add(stringize(vaOpt(body, i + 2, close), b.spaceBefore()));
            i = close;
          } else {
            out.add(stringize(argument(operand), b.spaceBefore()));
            i++;
          }
        } else if (b.isPunct("##") && i + 1 < body.size()) {
          i = paste(body, i + 1, out);
        } else if (isParam(b)) {
          List<CudaToken> raw = argument(b);
          List<CudaToken> value = pasteAfter ? raw : expandAll(macros, raw);
          addSpaced(out, value, b.spaceBefore(), pasteAfter);
        } else if (isVaOpt(b)) {
          int close = vaOptEnd(body, i + 1);
          List<CudaToken> value = vaOpt(body, i + 1, close);
          addSpaced(out, value, b.spaceBefore(), pasteAfter);
          i = close;
        } else {
          out.add(b);
        }
      }
      return out;
    }

    /**
     * Pastes the last token of {@code out} with the operand starting at {@code at}; returns the
     * index of the operand's last body token.
     */
    private int paste(List<CudaToken> body, int at, List<CudaToken> out) {
      CudaToken operand = body.get(at);
      List<CudaToken> right;
      int last = at;
      if (isParam(operand)) {
        right = argument(operand);
        if (isVariadicArgument(operand) && !out.isEmpty() && out.get(out.size() - 1).isPunct(",")) {
          // GNU: ", ## __VA_ARGS__" drops the comma when there are no variadic arguments and
          // pastes nothing otherwise.
          if (right.isEmpty()) {
            out.remove(out.size() - 1);
          } else {
            out.addAll(right);
          }
          return last;
        }
      } else if (isVaOpt(operand)) {
        last = vaOptEnd(body, at + 1);
        right = vaOpt(body, at + 1, last);
      } else {
        right = List.of(operand);
      }
      CudaToken left = out.isEmpty() ? placemarker(operand) : out.remove(out.size() - 1);
      if (right.isEmpty()) {
        out.add(left);
        return last;
      }
      out.addAll(pasted(left, right.get(0)));
      out.addAll(right.subList(1, right.size()));
      return last;
    }

    private List<CudaToken> pasted(CudaToken left, CudaToken right) {
      if (left.kind() == CudaToken.Kind.PLACEMARKER) {
        return List.of(right);
      }
      if (right.kind() == CudaToken.Kind.PLACEMARKER) {
        return List.of(left);
      }
      String text = left.text() + right.text();
      List<CudaToken> lexed;
      try {
        lexed = CudaLexer.tokenize(text);
      } catch (CudaParseException e) {
        lexed = List.of();
      }
      // Multi-character operators (->, <<=, ...) lex as single characters here; that is fine.
      boolean valid =
          lexed.size() == 1
              || (!lexed.isEmpty()
                  && lexed.stream().allMatch(t -> t.kind() == CudaToken.Kind.PUNCT)
                  && lexed.stream().skip(1).noneMatch(CudaToken::spaceBefore));
      if (!valid) {
        throw new CudaParseException(
            left.line(),
            "pasting \""
                + left.text()
                + "\" and \""
                + right.text()
                + "\" in macro "
                + macro.name()
                + " does not give a valid preprocessing token");
      }
      List<CudaToken> out = new ArrayList<>();
      for (int i = 0; i < lexed.size(); i++) {
        CudaToken t = lexed.get(i);
        out.add(
            new CudaToken(
                t.kind(),
                t.text(),
                left.line(),
                i == 0 && left.spaceBefore(),
                left.macro(),
                Set.of()));
      }
      return out;
    }

    private void addSpaced(
        List<CudaToken> out, List<CudaToken> value, boolean space, boolean keepPlacemarker) {
      if (value.isEmpty()) {
        if (keepPlacemarker) {
          out.add(new CudaToken(CudaToken.Kind.PLACEMARKER, "", 0));
        }
        return;
      }
      out.add(value.get(0).withSpaceBefore(space));
      out.addAll(value.subList(1, value.size()));
    }

    private CudaToken placemarker(CudaToken near) {
      return new CudaToken(CudaToken.Kind.PLACEMARKER, "", near.line());
    }

    private boolean isParam(CudaToken t) {
      return macro.functionLike() && t.isIdentifier() && macro.paramIndex(t.text()) >= 0;
    }

    private boolean isVariadicArgument(CudaToken t) {
      return macro.variadic() && macro.paramIndex(t.text()) == macro.params().size() - 1;
    }

    private boolean isVaOpt(CudaToken t) {
      return macro.variadic() && t.isIdentifier("__VA_OPT__");
    }

    private List<CudaToken> argument(CudaToken param) {
      return args.get(macro.paramIndex(param.text()));
    }

    /** The index of the ')' closing {@code __VA_OPT__(}, whose '(' is at {@code open}. */
    private int vaOptEnd(List<CudaToken> body, int open) {
      if (open >= body.size() || !body.get(open).isPunct("(")) {
        throw new CudaParseException(
            macro.line(), "__VA_OPT__ in macro " + macro.name() + " must be followed by '('");
      }
      int depth = 0;
      for (int i = open; i < body.size(); i++) {
        if (body.get(i).isPunct("(")) {
          depth++;
        } else if (body.get(i).isPunct(")") && --depth == 0) {
          return i;
        }
      }
      throw new CudaParseException(
          macro.line(), "unterminated __VA_OPT__ in macro " + macro.name());
    }

    /** {@code __VA_OPT__(content)}: the content when the variadic arguments expand to tokens. */
    private List<CudaToken> vaOpt(List<CudaToken> body, int open, int close) {
      List<CudaToken> variadic = args.get(args.size() - 1);
      if (expandAll(macros, variadic).isEmpty()) {
        return List.of();
      }
      return run(body.subList(open + 1, close));
    }

    private CudaToken stringize(List<CudaToken> tokens, boolean space) {
      StringBuilder s = new StringBuilder("\"");
      for (int i = 0; i < tokens.size(); i++) {
        CudaToken t = tokens.get(i);
        if (t.kind() == CudaToken.Kind.PLACEMARKER) {
          continue;
        }
        if (i > 0 && t.spaceBefore()) {
          s.append(' ');
        }
        boolean literal = t.kind() == CudaToken.Kind.STRING || t.kind() == CudaToken.Kind.CHAR;
        s.append(literal ? t.text().replace("\\", "\\\\").replace("\"", "\\\"") : t.text());
      }
      s.append('"');
      return new CudaToken(CudaToken.Kind.STRING, s.toString(), 0, space, "", Set.of());
    }
  }
}
