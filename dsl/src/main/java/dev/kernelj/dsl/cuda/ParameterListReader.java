package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the parameter list of one {@code __global__} declaration: each parameter through {@link
 * DeclaratorParser}, type aliases of the source resolved, and the macros the source does not define
 * that stand in the list noted (the parameters behind them are hidden).
 */
final class ParameterListReader {
  private final List<CudaToken> tokens;
  private final List<TemplateParam> templateParams;
  private final GlobalDeclarationReader.Context context;

  ParameterListReader(
      List<CudaToken> tokens,
      List<TemplateParam> templateParams,
      GlobalDeclarationReader.Context context) {
    this.tokens = tokens;
    this.templateParams = templateParams;
    this.context = context;
  }

  /**
   * The parameters between the parentheses at {@code open} and {@code close}; unknown macros found
   * there are added to {@code hidden}.
   */
  List<CudaParam> read(int open, int close, String name, List<String> hidden) {
    List<List<CudaToken>> parts =
        TokenGroups.splitTopLevel(tokens, open + 1, close, "parameter list of '" + name + "'");
    if (parts.size() == 1 && parts.get(0).size() == 1 && parts.get(0).get(0).isIdentifier("void")) {
      return List.of();
    }
    List<CudaParam> params = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      List<CudaToken> part = parts.get(i);
      String where = "parameter " + (i + 1) + " of __global__ '" + name + "'";
      if (part.size() == 1 && part.get(0).isPunct("...")) {
        throw new CudaParseException(
            tokens.get(open).line(), where + " is '...': a kernel cannot be variadic");
      }
      if (part.isEmpty()) {
        throw new CudaParseException(tokens.get(open).line(), where + " is empty");
      }
      hiddenMacro(part).ifPresent(hidden::add);
      CudaParam p = DeclaratorParser.parameter(part, where);
      boolean templateParam =
          templateParams.stream().anyMatch(tp -> tp.name().equals(p.type().base()));
      params.add(
          templateParam
              ? p
              : new CudaParam(
                  context.aliases().resolve(p.type(), context.scope()),
                  p.name(),
                  p.defaultValue()));
    }
    return params;
  }

  /**
   * An unknown macro a parameter is made of: {@code ARGS(float)} (a call where no C++ parameter can
   * have one), or a lone identifier that no declaration here makes a type and that is spelled like
   * a macro ({@code PARAMS}).
   */
  private Optional<String> hiddenMacro(List<CudaToken> part) {
    CudaToken first = part.get(0);
    if (!first.isIdentifier()
        || DeclaratorParser.BUILTIN_TYPE_WORDS.contains(first.text())
        || DeclaratorParser.ATTRIBUTE_CALLS.contains(first.text())) {
      return Optional.empty();
    }
    if (part.size() >= 2 && part.get(1).isPunct("(")) {
      boolean functionPointer =
          part.size() >= 3 && (part.get(2).isPunct("*") || part.get(2).isPunct("&"));
      return functionPointer ? Optional.empty() : Optional.of(first.text());
    }
    boolean templateParam = templateParams.stream().anyMatch(tp -> tp.name().equals(first.text()));
    if (part.size() == 1
        && !templateParam
        && !context.declaredTypes().contains(first.text())
        && first.text().matches("[A-Z][A-Z0-9_]+")) {
      return Optional.of(first.text());
    }
    return Optional.empty();
  }
}
