package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the tokens after {@code #define} (or a {@code -D} option's text) into a {@link Macro},
 * rejecting what a C preprocessor rejects: a missing or non-identifier name, a malformed parameter
 * list, {@code #} not followed by a parameter, {@code ##} at either end.
 */
final class MacroDefinitionParser {
  private MacroDefinitionParser() {}

  static Macro parse(List<CudaToken> tokens, int line) {
    if (tokens.isEmpty()) {
      throw new CudaParseException(line, "#define without a macro name");
    }
    CudaToken nameToken = tokens.get(0);
    if (!nameToken.isIdentifier()) {
      throw new CudaParseException(
          line, "#define needs an identifier as the macro name, not '" + nameToken.text() + "'");
    }
    String name = nameToken.text();
    if (name.equals("defined")) {
      throw new CudaParseException(line, "'defined' cannot be used as a macro name");
    }
    boolean functionLike =
        tokens.size() > 1 && tokens.get(1).isPunct("(") && !tokens.get(1).spaceBefore();
    if (!functionLike) {
      List<CudaToken> body = tokens.subList(1, tokens.size());
      checkPasteEnds(body, name, line);
      return new Macro(name, false, List.of(), false, firstWithoutSpace(body), line);
    }
    List<String> params = new ArrayList<>();
    boolean variadic = false;
    int i = 2;
    boolean expectParam = true;
    while (true) {
      if (i >= tokens.size()) {
        throw new CudaParseException(line, "missing ')' in the parameter list of macro " + name);
      }
      CudaToken t = tokens.get(i);
      if (t.isPunct(")") && (!expectParam || params.isEmpty())) {
        i++;
        break;
      }
      if (variadic) {
        throw new CudaParseException(
            line, "'...' must be the last parameter of macro " + name + ", before ')'");
      }
      if (expectParam && t.isPunct("...")) {
        params.add("__VA_ARGS__");
        variadic = true;
        expectParam = false;
      } else if (expectParam && t.isIdentifier()) {
        if (params.contains(t.text())) {
          throw new CudaParseException(
              line, "duplicate parameter '" + t.text() + "' in macro " + name);
        }
        params.add(t.text());
        expectParam = false;
        if (i + 1 < tokens.size() && tokens.get(i + 1).isPunct("...")) {
          variadic = true; // GNU named variadic parameter: #define F(args...)
          i++;
        }
      } else if (!expectParam && t.isPunct(",")) {
        expectParam = true;
      } else {
        throw new CudaParseException(
            line, "'" + t.text() + "' cannot appear in the parameter list of macro " + name);
      }
      i++;
    }
    List<CudaToken> body = firstWithoutSpace(tokens.subList(i, tokens.size()));
    checkPasteEnds(body, name, line);
    for (int b = 0; b < body.size(); b++) {
      if (body.get(b).isPunct("#")) {
        boolean operand =
            b + 1 < body.size()
                && body.get(b + 1).isIdentifier()
                && (params.contains(body.get(b + 1).text())
                    || (variadic && body.get(b + 1).is("__VA_OPT__")));
        if (!operand) {
          throw new CudaParseException(
              line, "'#' in macro " + name + " is not followed by a macro parameter");
        }
      }
    }
    return new Macro(name, true, params, variadic, body, line);
  }

  private static void checkPasteEnds(List<CudaToken> body, String name, int line) {
    if (!body.isEmpty() && (body.get(0).isPunct("##") || body.get(body.size() - 1).isPunct("##"))) {
      throw new CudaParseException(
          line, "'##' cannot appear at either end of the replacement of macro " + name);
    }
  }

  private static List<CudaToken> firstWithoutSpace(List<CudaToken> body) {
    List<CudaToken> copy = new ArrayList<>(body);
    if (!copy.isEmpty()) {
      copy.set(0, copy.get(0).withSpaceBefore(false));
    }
    return copy;
  }
}
