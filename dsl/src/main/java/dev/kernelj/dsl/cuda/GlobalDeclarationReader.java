package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the one declaration around a {@code __global__} token: backwards over what may precede it
 * ({@code template <...>}, {@code extern "C"}, {@code static}, attributes), forwards over return
 * type, {@code __launch_bounds__}, attributes and macros to the function's name and parameter list.
 */
final class GlobalDeclarationReader {
  /**
   * A kernel, or none for an explicit instantiation or specialisation, and where scanning goes on.
   */
  record Result(Optional<CudaKernel> kernel, int next) {}

  /** Specifier words that can stand before {@code __global__} in one declaration. */
  private static final Set<String> PREFIX_WORDS =
      Set.of(
          "static",
          "inline",
          "__inline__",
          "__forceinline__",
          "__noinline__",
          "constexpr",
          "extern");

  /**
   * Attribute-like calls that may stand in a declaration before the name; their arguments are
   * skipped.
   */
  private static final Set<String> SPECIFIER_CALLS =
      Set.of(
          "__launch_bounds__",
          "__maxnreg__",
          "__cluster_dims__",
          "__attribute__",
          "__declspec",
          "alignas");

  /** Words after a parameter list that do not start another declarator. */
  private static final Set<String> TRAILING_WORDS =
      Set.of("noexcept", "throw", "__attribute__", "const", "override");

  private final List<CudaToken> tokens;
  private final int global;
  private boolean externC;
  private boolean skip;
  private List<TemplateParam> templateParams = List.of();
  private int launchBounds;

  private GlobalDeclarationReader(List<CudaToken> tokens, int global, boolean inExternC) {
    this.tokens = tokens;
    this.global = global;
    this.externC = inExternC;
  }

  static Result read(List<CudaToken> tokens, int global, boolean inExternC) {
    return new GlobalDeclarationReader(tokens, global, inExternC).read();
  }

  private Result read() {
    int start = readPrefix();
    int nameIndex = findName();
    String name = tokens.get(nameIndex).text();
    if (RESERVED_WORDS.contains(name)) {
      throw new CudaParseException(
          tokens.get(nameIndex).line(),
          "__global__ function has no name: '" + name + "' is a C++ keyword, not a function name");
    }
    int open = nameIndex + 1;
    if (tokens.get(open).isPunct("<")) {
      // f<float>(...): an explicit instantiation or specialisation of a template already seen.
      skip = true;
      open = TokenGroups.closing(tokens, open, "template arguments of '" + name + "'") + 1;
    }
    int close = TokenGroups.closing(tokens, open, "parameter list of __global__ '" + name + "'");
    int next = declarationEnd(close + 1, name);
    if (skip) {
      return new Result(Optional.empty(), next);
    }
    String declaration = TokenText.join(tokens.subList(start, close + 1));
    List<CudaParam> params = parameters(open, close, name);
    CudaKernel kernel =
        new CudaKernel(
            name,
            templateParams,
            params,
            launchBounds,
            externC,
            tokens.get(start).line(),
            declaration);
    return new Result(Optional.of(kernel), next);
  }

  /** Walks back from {@code __global__}; returns the index where the declaration starts. */
  private int readPrefix() {
    int start = global;
    int j = global - 1;
    while (j >= 0) {
      CudaToken t = tokens.get(j);
      if (t.isIdentifier() && PREFIX_WORDS.contains(t.text())) {
        start = j--;
      } else if (t.is("\"C\"") && j > 0 && tokens.get(j - 1).isIdentifier("extern")) {
        externC = true;
        start = j - 1;
        j -= 2;
      } else if (t.isPunct(")")) {
        int open = TokenGroups.opening(tokens, j);
        if (open < 1
            || !tokens.get(open - 1).isIdentifier()
            || !SPECIFIER_CALLS.contains(tokens.get(open - 1).text())) {
          break;
        }
        readSpecifierCall(open - 1);
        start = open - 1;
        j = open - 2;
      } else if (t.isPunct("]") && j > 0 && tokens.get(j - 1).isPunct("]")) {
        int open = TokenGroups.opening(tokens, j);
        if (open < 0) {
          break;
        }
        start = open;
        j = open - 1;
      } else if (t.isPunct(">")) {
        int open = TokenGroups.opening(tokens, j);
        if (open < 1 || !tokens.get(open - 1).isIdentifier("template")) {
          break;
        }
        if (open + 1 == j) {
          skip = true; // template <> : an explicit specialisation of a template declared elsewhere
        } else {
          templateParams = templateParameters(open, j);
        }
        start = open - 1;
        j = open - 2;
      } else if (t.isIdentifier("template")) {
        skip = true; // "template __global__ void f<float>(...)": an explicit instantiation
        start = j--;
      } else {
        break;
      }
    }
    return start;
  }

  /** Words that can stand before '(' after __global__ but can never name a function. */
  private static final java.util.Set<String> RESERVED_WORDS =
      java.util.Set.of(
          "void",
          "int",
          "char",
          "short",
          "long",
          "float",
          "double",
          "bool",
          "signed",
          "unsigned",
          "const",
          "volatile",
          "auto",
          "return",
          "if",
          "while",
          "for",
          "switch",
          "sizeof");

  /** Forward from {@code __global__}: the index of the function's name (its '(' follows). */
  private int findName() {
    int i = global + 1;
    while (i < tokens.size()) {
      CudaToken t = tokens.get(i);
      if (t.isPunct(";") || t.isPunct("{") || t.isPunct("}") || t.isIdentifier("__global__")) {
        break;
      }
      if (t.isPunct("[") && at(i + 1, "[")) {
        i = TokenGroups.closing(tokens, i, "attribute") + 1;
      } else if (t.isIdentifier() && at(i + 1, "(")) {
        int close = TokenGroups.closing(tokens, i + 1, "'" + t.text() + "(' after __global__");
        if (SPECIFIER_CALLS.contains(t.text())) {
          readSpecifierCall(i);
          i = close + 1;
        } else if (close + 2 < tokens.size()
            && tokens.get(close + 1).isIdentifier()
            && !TRAILING_WORDS.contains(tokens.get(close + 1).text())
            && (at(close + 2, "(") || at(close + 2, "::") || at(close + 2, "<"))) {
          i = close + 1; // a macro such as LAUNCH_BOUNDS(256) between the return type and the name
        } else {
          return i;
        }
      } else if (t.isIdentifier() && at(i + 1, "<") && !t.isIdentifier("template")) {
        int close = TokenGroups.closing(tokens, i + 1, "template arguments of '" + t.text() + "'");
        if (at(close + 1, "(")) {
          return i;
        }
        i = close + 1;
      } else {
        i++;
      }
    }
    int line = tokens.get(global).line();
    String seen = TokenText.join(tokens.subList(global, Math.min(i + 1, tokens.size())));
    throw new CudaParseException(
        line, "__global__ without a function name and parameter list: " + seen);
  }

  /**
   * {@code __launch_bounds__(N)} or {@code __launch_bounds__(N, M)}: records N when it is an
   * integer literal.
   */
  private void readSpecifierCall(int word) {
    if (!tokens.get(word).isIdentifier("__launch_bounds__")) {
      return;
    }
    int close = TokenGroups.closing(tokens, word + 1, "__launch_bounds__");
    List<List<CudaToken>> args =
        TokenGroups.splitTopLevel(tokens, word + 2, close, "__launch_bounds__");
    launchBounds = args.isEmpty() ? 0 : integerLiteral(args.get(0));
  }

  private static int integerLiteral(List<CudaToken> arg) {
    if (arg.size() != 1 || arg.get(0).kind() != CudaToken.Kind.NUMBER) {
      return 0;
    }
    String digits = arg.get(0).text().replace("'", "").replaceAll("[uUlL]+$", "");
    try {
      long value =
          digits.startsWith("0x") || digits.startsWith("0X")
              ? Long.parseLong(digits.substring(2), 16)
              : Long.parseLong(digits);
      return value > 0 && value <= Integer.MAX_VALUE ? (int) value : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private List<TemplateParam> templateParameters(int open, int close) {
    List<TemplateParam> result = new ArrayList<>();
    for (List<CudaToken> part :
        TokenGroups.splitTopLevel(tokens, open + 1, close, "template parameter list")) {
      result.add(DeclaratorParser.templateParameter(part, "a template parameter"));
    }
    return result;
  }

  private List<CudaParam> parameters(int open, int close, String name) {
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
      params.add(DeclaratorParser.parameter(part, where));
    }
    return params;
  }

  /** After the parameter list: the index of the '{' of the body or the ';' ending a declaration. */
  private int declarationEnd(int from, String name) {
    for (int i = from; i < tokens.size(); i++) {
      CudaToken t = tokens.get(i);
      if (t.isPunct("{") || t.isPunct(";")) {
        return i;
      }
      if (t.isPunct("}") || t.isIdentifier("__global__")) {
        break;
      }
      if (t.isPunct("(")) {
        i = TokenGroups.closing(tokens, i, "after the parameters of '" + name + "'");
      }
    }
    throw new CudaParseException(
        tokens.get(global).line(),
        "__global__ '" + name + "' is followed by neither a body '{' nor ';'");
  }

  private boolean at(int i, String text) {
    return i < tokens.size() && tokens.get(i).is(text);
  }
}
