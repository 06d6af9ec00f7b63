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
    List<CudaToken> replaced = new MacroSubstitution(macros, macro, args).run(macro.body());
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
}
