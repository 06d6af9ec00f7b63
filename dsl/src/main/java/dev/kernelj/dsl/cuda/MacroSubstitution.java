package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Replaces one invocation's macro body ([cpp.subst], [cpp.concat], [cpp.stringize]): parameters by
 * their fully expanded arguments, or by the arguments as written next to {@code #} and {@code ##};
 * {@code #} stringifies, {@code ##} pastes (with placemarkers for empty arguments and GCC's {@code
 * , ## __VA_ARGS__} comma), and {@code __VA_OPT__(...)} keeps its content when variadic arguments
 * are present.
 */
final class MacroSubstitution {
  private final MacroTable macros;
  private final Macro macro;
  private final List<List<CudaToken>> args;

  MacroSubstitution(MacroTable macros, Macro macro, List<List<CudaToken>> args) {
    this.macros = macros;
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
        List<CudaToken> value = pasteAfter ? raw : MacroExpander.expandAll(macros, raw);
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
   * Pastes the last token of {@code out} with the operand starting at {@code at}; returns the index
   * of the operand's last body token.
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
    return TokenGroups.closing(body, open, "__VA_OPT__ in macro " + macro.name());
  }

  /** {@code __VA_OPT__(content)}: the content when the variadic arguments expand to tokens. */
  private List<CudaToken> vaOpt(List<CudaToken> body, int open, int close) {
    List<CudaToken> variadic = args.get(args.size() - 1);
    if (MacroExpander.expandAll(macros, variadic).isEmpty()) {
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
