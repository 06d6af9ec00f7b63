package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads one parameter declaration ({@code const float* __restrict__ x}, {@code unsigned int},
 * {@code float x[]}) and one template parameter ({@code int BLOCK = 256}) from their tokens.
 */
final class DeclaratorParser {
  /** Words that make up C's built-in arithmetic types; a parameter name is never one of them. */
  static final Set<String> BUILTIN_TYPE_WORDS =
      Set.of(
          "void",
          "bool",
          "char",
          "short",
          "int",
          "long",
          "float",
          "double",
          "signed",
          "unsigned",
          "__int128");

  private static final Set<String> RESTRICT = Set.of("__restrict__", "__restrict", "restrict");

  /**
   * Words that say nothing the matching rules need: storage, elaboration, and CUDA parameter
   * attributes.
   */
  private static final Set<String> IGNORED_WORDS =
      Set.of(
          "volatile",
          "register",
          "struct",
          "class",
          "union",
          "enum",
          "typename",
          "__grid_constant__");

  /** Attribute-like words followed by a parenthesised argument list that is dropped with them. */
  static final Set<String> ATTRIBUTE_CALLS =
      Set.of("__attribute__", "__declspec", "alignas", "__align__");

  private DeclaratorParser() {}

  /** One parameter of a {@code __global__} function; {@code tokens} holds no top-level comma. */
  static CudaParam parameter(List<CudaToken> tokens, String where) {
    int eq = topLevelEquals(tokens);
    List<CudaToken> decl = eq < 0 ? tokens : tokens.subList(0, eq);
    String defaultValue = eq < 0 ? "" : TokenText.join(tokens.subList(eq + 1, tokens.size()));
    if (decl.isEmpty()) {
      throw new CudaParseException(
          tokens.isEmpty() ? 0 : tokens.get(0).line(), where + " is empty");
    }
    boolean restrict = false;
    boolean reference = false;
    boolean baseConst = false;
    boolean sawStar = false;
    int pointerLevel = 0;
    List<CudaToken> words = new ArrayList<>();
    for (int i = 0; i < decl.size(); i++) {
      CudaToken t = decl.get(i);
      if (t.isIdentifier()
          && ATTRIBUTE_CALLS.contains(t.text())
          && i + 1 < decl.size()
          && decl.get(i + 1).isPunct("(")) {
        i = TokenGroups.closing(decl, i + 1, where);
      } else if (t.isPunct("[") && i + 1 < decl.size() && decl.get(i + 1).isPunct("[")) {
        i = TokenGroups.closing(decl, i, where);
      } else if (t.isPunct("[")) {
        // An array parameter decays to a pointer: float x[] and float x[16] are float*.
        pointerLevel++;
        i = TokenGroups.closing(decl, i, where);
      } else if (t.isPunct("(")) {
        // A function pointer: keep the spelling, the rules report it as unsupported.
        return new CudaParam(new CudaType(TokenText.join(decl), false, 0, false), "", defaultValue);
      } else if (t.isPunct("&")) {
        reference = true; // T& and T&&
      } else if (t.isPunct("*")) {
        pointerLevel++;
        sawStar = true;
      } else if (t.isIdentifier() && RESTRICT.contains(t.text())) {
        restrict = true;
      } else if (t.isIdentifier("const")) {
        // const after a '*' qualifies that pointer itself (float* const p), not the elements.
        baseConst |= !sawStar;
      } else if (t.isIdentifier() && IGNORED_WORDS.contains(t.text())) {
        continue;
      } else {
        words.add(t);
      }
    }
    String name = "";
    if (words.size() > 1) {
      CudaToken last = words.get(words.size() - 1);
      CudaToken beforeLast = words.get(words.size() - 2);
      if (last.isIdentifier()
          && !BUILTIN_TYPE_WORDS.contains(last.text())
          && !beforeLast.isPunct("::")) {
        name = last.text();
        words = words.subList(0, words.size() - 1);
      }
    }
    if (words.isEmpty()) {
      throw new CudaParseException(
          decl.get(0).line(), where + " has no type: " + TokenText.join(decl));
    }
    return new CudaParam(
        new CudaType(TokenText.join(words), baseConst, pointerLevel, restrict, reference),
        name,
        defaultValue);
  }

  /**
   * A type on its own, such as a template argument ({@code const float}, {@code unsigned int*}).
   */
  static CudaType type(String text) {
    return type(CudaLexer.tokenize(text));
  }

  /** A type on its own, from its tokens. */
  static CudaType type(List<CudaToken> tokens) {
    CudaParam p = parameter(tokens, "type '" + TokenText.join(tokens) + "'");
    if (!p.name().isEmpty()) {
      // "unsigned x" cannot be a template argument; read it as the type it spells.
      return p.type().withBase(p.type().base() + " " + p.name());
    }
    return p.type();
  }

  /**
   * One template parameter: {@code typename T}, {@code int BLOCK = 256}, {@code typename... Ts}.
   */
  static TemplateParam templateParameter(List<CudaToken> tokens, String where) {
    int eq = topLevelEquals(tokens);
    List<CudaToken> decl = eq < 0 ? tokens : tokens.subList(0, eq);
    String defaultArg = eq < 0 ? "" : TokenText.join(tokens.subList(eq + 1, tokens.size()));
    if (decl.isEmpty()) {
      throw new CudaParseException(
          tokens.isEmpty() ? 0 : tokens.get(0).line(), where + " is empty");
    }
    boolean variadic = decl.stream().anyMatch(t -> t.isPunct("..."));
    List<CudaToken> words = decl.stream().filter(t -> !t.isPunct("...")).toList();
    if (words.isEmpty()) {
      throw new CudaParseException(
          decl.get(0).line(), where + " has no kind: " + TokenText.join(decl));
    }
    String name = "";
    CudaToken last = words.get(words.size() - 1);
    if (words.size() > 1 && last.isIdentifier() && !BUILTIN_TYPE_WORDS.contains(last.text())) {
      name = last.text();
      words = words.subList(0, words.size() - 1);
    }
    String kind = TokenText.join(words) + (variadic ? "..." : "");
    return new TemplateParam(kind, name, defaultArg);
  }

  /** Index of the first '=' outside brackets, or -1. */
  private static int topLevelEquals(List<CudaToken> tokens) {
    int depth = 0;
    for (int i = 0; i < tokens.size(); i++) {
      String s = tokens.get(i).text();
      if (tokens.get(i).kind() != CudaToken.Kind.PUNCT) {
        continue;
      }
      switch (s) {
        case "(", "[", "{" -> depth++;
        case ")", "]", "}" -> depth--;
        case "=" -> {
          if (depth == 0) {
            return i;
          }
        }
        default -> {}
      }
    }
    return -1;
  }
}
