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
   * What one declaration declares: a kernel; or an explicit specialisation; or, when its name comes
   * out of a macro this source does not define, that macro; or nothing (an explicit instantiation).
   * {@code next} is where scanning goes on.
   */
  record Result(
      Optional<CudaKernel> kernel,
      Optional<Specialization> specialization,
      Optional<MacroUse> hiddenName,
      int next) {
    static Result of(CudaKernel kernel, int next) {
      return new Result(Optional.of(kernel), Optional.empty(), Optional.empty(), next);
    }

    static Result nothing(int next) {
      return new Result(Optional.empty(), Optional.empty(), Optional.empty(), next);
    }
  }

  /** Where the declaration stands: its namespace and linkage, and the source's known types. */
  record Context(
      List<String> scope,
      boolean inExternC,
      Namespaces namespaces,
      Set<String> declaredTypes,
      TypeAliases aliases) {}

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
  private final Context context;
  private boolean externC;
  private boolean skip;
  private boolean specialization;
  private List<TemplateParam> templateParams = List.of();
  private int launchBounds;

  private GlobalDeclarationReader(List<CudaToken> tokens, int global, Context context) {
    this.tokens = tokens;
    this.global = global;
    this.context = context;
    this.externC = context.inExternC();
  }

  static Result read(List<CudaToken> tokens, int global, Context context) {
    return new GlobalDeclarationReader(tokens, global, context).read();
  }

  /** Whether {@code word( ... )} is an attribute-like specifier rather than a declarator. */
  static boolean isSpecifierCall(String word) {
    return SPECIFIER_CALLS.contains(word);
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
    String specializedArgs = "";
    if (tokens.get(open).isPunct("<")) {
      // f<float>(...): an explicit instantiation or specialisation of a template already seen.
      skip = true;
      int closeAngle = TokenGroups.closing(tokens, open, "template arguments of '" + name + "'");
      specializedArgs = squeezed(tokens.subList(open + 1, closeAngle));
      open = closeAngle + 1;
    }
    int close = TokenGroups.closing(tokens, open, "parameter list of __global__ '" + name + "'");
    if (close + 1 < tokens.size() && tokens.get(close + 1).isPunct("(")) {
      // NAME(x)(params): the function's name is what an unknown macro makes of (x).
      int argsClose = close;
      int next = declarationEnd(close + 1, name);
      return new Result(
          Optional.empty(),
          Optional.empty(),
          Optional.of(
              new MacroUse(
                  name,
                  tokens.get(nameIndex).line(),
                  TokenText.join(tokens.subList(nameIndex, argsClose + 1)),
                  identifiers(tokens.subList(open + 1, argsClose)))),
          next);
    }
    int next = declarationEnd(close + 1, name);
    boolean defined = tokens.get(next).isPunct("{");
    List<String> namespace = namespaceOf(nameIndex);
    if (skip) {
      if (specialization) {
        return new Result(
            Optional.empty(),
            Optional.of(new Specialization(namespace, name, specializedArgs, defined)),
            Optional.empty(),
            next);
      }
      return Result.nothing(next);
    }
    String declaration = TokenText.join(tokens.subList(start, close + 1));
    // A static kernel has internal linkage, which C language linkage does not apply to: nvcc
    // gives it a C++ symbol even inside extern "C" (_Z1kPf, not k).
    boolean internal =
        tokens.subList(start, nameIndex).stream().anyMatch(t -> t.isIdentifier("static"));
    List<String> hidden = new ArrayList<>();
    List<CudaParam> params =
        new ParameterListReader(tokens, templateParams, context).read(open, close, name, hidden);
    CudaKernel kernel =
        new CudaKernel(
            name,
            namespace,
            templateParams,
            params,
            launchBounds,
            externC && !internal,
            defined,
            tokens.get(start).line(),
            declaration,
            tokens.get(nameIndex).macro(),
            hidden);
    return Result.of(kernel, next);
  }

  /**
   * The namespace of the function named at {@code nameIndex}: the enclosing one, or the one a
   * qualified name in a definition names ({@code __global__ void ns::f(...) {}}).
   */
  private List<String> namespaceOf(int nameIndex) {
    List<String> parts = new ArrayList<>();
    int j = nameIndex - 1;
    while (j >= 1 && tokens.get(j).isPunct("::") && tokens.get(j - 1).isIdentifier()) {
      parts.add(0, tokens.get(j - 1).text());
      j -= 2;
    }
    boolean rooted = j >= 0 && tokens.get(j).isPunct("::");
    if (parts.isEmpty()) {
      return rooted ? List.of() : context.scope();
    }
    List<String> found =
        context.namespaces().namespace(new Namespaces.Written(parts, rooted, context.scope()));
    if (found != null) {
      return found;
    }
    List<String> path = new ArrayList<>(rooted ? List.of() : context.scope());
    path.addAll(parts);
    return path;
  }

  private static String squeezed(List<CudaToken> tokens) {
    StringBuilder s = new StringBuilder();
    for (CudaToken t : tokens) {
      s.append(t.text());
    }
    return s.toString();
  }

  private static List<String> identifiers(List<CudaToken> tokens) {
    return tokens.stream().filter(CudaToken::isIdentifier).map(CudaToken::text).toList();
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
          specialization = true;
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

  /**
   * The value of an integer constant expression ({@code 256}, {@code 0x80}, {@code 128 * 2}), or 0
   * when the argument names anything (a template parameter, a member) that only the compiler knows.
   */
  private static int integerLiteral(List<CudaToken> arg) {
    boolean constant =
        !arg.isEmpty()
            && arg.stream()
                .allMatch(
                    t -> t.kind() == CudaToken.Kind.NUMBER || t.kind() == CudaToken.Kind.PUNCT);
    if (!constant) {
      return 0;
    }
    try {
      IntegerExpression.Value v = new IntegerExpression(arg, arg.get(0).line()).evaluate();
      return v.bits() > 0 && v.bits() <= Integer.MAX_VALUE ? (int) v.bits() : 0;
    } catch (CudaParseException e) {
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
