package dev.kernelj.dsl.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds {@code __global__} declarations in preprocessed tokens; see {@link CudaSource#parse}.
 *
 * <p>Walks the tokens at namespace scope, entering {@code namespace} (named, nested, inline,
 * anonymous) and linkage ({@code extern "C" {}}, {@code extern "C++" {}}) blocks, recording
 * using-directives, namespace aliases and using-declarations for name lookup, and skipping every
 * other brace block whole (function bodies, structs, initialisers): a {@code __global__} function
 * cannot be declared inside them. Each {@code __global__} found is read by {@link
 * GlobalDeclarationReader}. A statement that starts with {@code NAME(...)} cannot be C++ at
 * namespace scope, so it is a macro this source does not define, and is remembered as one.
 */
final class CudaDeclarationParser {
  /** A brace block the walk is inside: the namespace it opened (if any) and its linkage. */
  private record Scope(List<String> namespace, boolean externC) {}

  /** Words that may start a namespace-scope statement with '(' and are not macros. */
  private static final Set<String> CALL_LIKE_KEYWORDS =
      Set.of(
          "static_assert",
          "_Static_assert",
          "decltype",
          "alignas",
          "alignof",
          "sizeof",
          "typeof",
          "__typeof__",
          "__typeof",
          "__attribute__",
          "__declspec",
          "asm",
          "__asm__",
          "__asm",
          "__launch_bounds__",
          "__align__",
          "__cluster_dims__",
          "__maxnreg__",
          "operator");

  private final List<CudaToken> tokens;
  private final Deque<Scope> scopes = new ArrayDeque<>();
  private final Namespaces namespaces = new Namespaces();
  private final Set<String> declaredTypes = new HashSet<>();
  private final TypeAliases aliases = new TypeAliases(namespaces);
  private final List<CudaKernel> kernels = new ArrayList<>();
  private final List<Specialization> specializations = new ArrayList<>();
  private final List<MacroUse> hiddenMacros = new ArrayList<>();

  private CudaDeclarationParser(List<CudaToken> tokens) {
    this.tokens = tokens;
    scopes.push(new Scope(List.of(), false));
  }

  static CudaSource parse(String source, Map<String, Macro> predefined) {
    Preprocessor.Result pp = Preprocessor.run(source, predefined);
    CudaDeclarationParser parser = new CudaDeclarationParser(pp.tokens());
    parser.run();
    return new CudaSource(
        parser.kernels,
        parser.namespaces,
        parser.aliases,
        parser.specializations,
        parser.hiddenMacros,
        pp.skippedGlobals());
  }

  private List<String> scope() {
    return scopes.peek().namespace();
  }

  private void run() {
    collectTypeNames();
    int i = 0;
    boolean statementStart = true;
    while (i < tokens.size()) {
      CudaToken t = tokens.get(i);
      if (t.isIdentifier("extern") && at(i + 1, "\"C\"") && at(i + 2, "{")) {
        scopes.push(new Scope(scope(), true));
        i += 3;
        statementStart = true;
      } else if (t.isIdentifier("extern") && at(i + 1, "\"C++\"") && at(i + 2, "{")) {
        scopes.push(new Scope(scope(), false));
        i += 3;
        statementStart = true;
      } else if (t.isIdentifier("namespace")
          || (t.isIdentifier("inline") && at(i + 1, "namespace"))) {
        i = namespace(i);
        statementStart = true;
      } else if (t.isIdentifier("using") && statementStart) {
        i = using(i);
        statementStart = true;
      } else if (t.isIdentifier("typedef") && statementStart) {
        i = typedef(i);
        statementStart = true;
      } else if (t.isPunct("{")) {
        i = TokenGroups.closing(tokens, i, "a block at namespace scope") + 1;
        statementStart = true;
      } else if (t.isPunct("}")) {
        if (scopes.size() > 1) {
          scopes.pop();
        }
        i++;
        statementStart = true;
      } else if (t.isPunct(";")) {
        i++;
        statementStart = true;
      } else if (t.isIdentifier("__global__")) {
        GlobalDeclarationReader.Result r =
            GlobalDeclarationReader.read(
                tokens,
                i,
                new GlobalDeclarationReader.Context(
                    scope(), scopes.peek().externC(), namespaces, declaredTypes, aliases));
        r.kernel().ifPresent(this::addOrMerge);
        r.specialization().ifPresent(specializations::add);
        r.hiddenName().ifPresent(hiddenMacros::add);
        i = r.next();
        statementStart = false;
      } else if (statementStart && isUnknownMacroCall(i)) {
        int close = TokenGroups.closing(tokens, i + 1, "the arguments of " + t.text());
        hiddenMacros.add(
            new MacroUse(
                t.text(),
                t.line(),
                TokenText.join(tokens.subList(i, close + 1)),
                tokens.subList(i + 2, close).stream()
                    .filter(CudaToken::isIdentifier)
                    .map(CudaToken::text)
                    .toList()));
        i = close + 1;
        statementStart = true; // such a macro usually stands for whole declarations
      } else {
        i++;
        statementStart = false;
      }
    }
  }

  /** {@code NAME(} at the start of a statement, which no C++ declaration at namespace scope is. */
  private boolean isUnknownMacroCall(int i) {
    CudaToken t = tokens.get(i);
    if (!t.isIdentifier() || !at(i + 1, "(") || CALL_LIKE_KEYWORDS.contains(t.text())) {
      return false;
    }
    int close;
    try {
      close = TokenGroups.closing(tokens, i + 1, "the arguments of " + t.text());
    } catch (CudaParseException e) {
      return false;
    }
    boolean deductionGuide = at(close + 1, "-") && at(close + 2, ">");
    return !deductionGuide;
  }

  /**
   * {@code [inline] namespace [a::[inline] b] [[attrs]] {}} or {@code namespace a = b::c;}; returns
   * where scanning goes on.
   */
  private int namespace(int i) {
    boolean inline = tokens.get(i).isIdentifier("inline");
    int j = inline ? i + 2 : i + 1;
    List<String> path = scope();
    List<String> written = new ArrayList<>();
    List<Boolean> inlines = new ArrayList<>();
    boolean nextInline = inline;
    while (j < tokens.size()) {
      CudaToken t = tokens.get(j);
      if (t.isPunct("[") && at(j + 1, "[")) {
        j = TokenGroups.closing(tokens, j, "namespace attributes") + 1;
      } else if (t.isIdentifier("__attribute__") && at(j + 1, "(")) {
        j = TokenGroups.closing(tokens, j + 1, "namespace attributes") + 1;
      } else if (t.isIdentifier("inline")) {
        nextInline = true;
        j++;
      } else if (t.isIdentifier()) {
        written.add(t.text());
        inlines.add(nextInline);
        nextInline = false;
        j++;
      } else if (t.isPunct("::")) {
        j++;
      } else if (t.isPunct("=") && written.size() == 1) {
        return alias(written.get(0), j + 1);
      } else if (t.isPunct("{")) {
        if (written.isEmpty()) {
          path = namespaces.enter(path, "", inline);
        }
        for (int k = 0; k < written.size(); k++) {
          path = namespaces.enter(path, written.get(k), inlines.get(k));
        }
        scopes.push(new Scope(path, scopes.peek().externC()));
        return j + 1;
      } else {
        return j; // not a namespace definition this walk understands; carry on from here
      }
    }
    return j;
  }

  /** {@code namespace name = a::b;}. */
  private int alias(String name, int from) {
    QualifiedName target = qualifiedName(from);
    if (!target.parts().isEmpty()) {
      namespaces.alias(
          scope(), name, new Namespaces.Written(target.parts(), target.rooted(), scope()));
    }
    return target.end();
  }

  /**
   * {@code typedef <type> NAME;}: remembered when it aliases a type a parameter can have (not a
   * struct body, array or function type); with several declarators ({@code typedef float real,
   * *real_ptr;}) each one is. Returns the index after the ';'.
   */
  private int typedef(int i) {
    int end = i + 1;
    boolean simple = true;
    while (end < tokens.size() && !tokens.get(end).isPunct(";")) {
      CudaToken t = tokens.get(end);
      if (t.isPunct("{") || t.isPunct("(") || t.isPunct("[")) {
        simple = false;
        end = TokenGroups.closing(tokens, end, "a typedef") + 1;
      } else {
        end++;
      }
    }
    if (simple && end > i + 2) {
      List<List<CudaToken>> declarators =
          TokenGroups.splitTopLevel(tokens, i + 1, end, "a typedef");
      List<CudaToken> first = declarators.get(0);
      List<CudaToken> specifiers = first.subList(0, specifierCount(first));
      for (int d = 0; d < declarators.size(); d++) {
        List<CudaToken> declaration = new ArrayList<>(specifiers);
        declaration.addAll(
            d == 0 ? first.subList(specifiers.size(), first.size()) : declarators.get(d));
        try {
          CudaParam alias = DeclaratorParser.parameter(declaration, "a typedef");
          if (!alias.name().isEmpty()) {
            aliases.add(scope(), alias.name(), alias.type());
          }
        } catch (CudaParseException e) {
          // Not a type KernelJ reads; the name stays a declared type and nothing more.
        }
      }
    }
    return end + 1;
  }

  /**
   * The type specifiers a typedef's declarators share: the tokens of its first declarator before
   * its first {@code *} or {@code &}, or all but its name.
   */
  private static int specifierCount(List<CudaToken> first) {
    for (int k = 0; k < first.size(); k++) {
      if (first.get(k).isPunct("*") || first.get(k).isPunct("&") || first.get(k).isPunct("&&")) {
        return k;
      }
    }
    return Math.max(0, first.size() - 1);
  }

  /**
   * {@code using namespace a::b;}, {@code using a::f;}, or an alias declaration {@code using T =
   * type;}.
   */
  private int using(int i) {
    if (!at(i + 1, "namespace")
        && i + 2 < tokens.size()
        && tokens.get(i + 1).isIdentifier()
        && at(i + 2, "=")) {
      int end = i + 3;
      while (end < tokens.size() && !tokens.get(end).isPunct(";")) {
        if (tokens.get(end).isPunct("{") || tokens.get(end).isPunct("(")) {
          end = TokenGroups.closing(tokens, end, "an alias declaration");
        }
        end++;
      }
      try {
        aliases.add(
            scope(), tokens.get(i + 1).text(), DeclaratorParser.type(tokens.subList(i + 3, end)));
      } catch (CudaParseException e) {
        // A type KernelJ does not read.
      }
      return end + 1;
    }
    if (at(i + 1, "namespace")) {
      QualifiedName target = qualifiedName(i + 2);
      if (!target.parts().isEmpty()) {
        namespaces.usingDirective(
            scope(), new Namespaces.Written(target.parts(), target.rooted(), scope()));
      }
      return target.end();
    }
    QualifiedName target = qualifiedName(i + 1);
    if (target.parts().size() > 1 && at(target.end(), ";")) {
      List<String> parts = target.parts();
      namespaces.usingDeclaration(
          scope(),
          parts.get(parts.size() - 1),
          new Namespaces.Written(parts, target.rooted(), scope()));
    }
    return target.end();
  }

  private record QualifiedName(List<String> parts, boolean rooted, int end) {}

  /** {@code [::] a :: b :: c} from {@code from}; {@code end} is the token after it. */
  private QualifiedName qualifiedName(int from) {
    int j = from;
    boolean rooted = at(j, "::");
    if (rooted) {
      j++;
    }
    List<String> parts = new ArrayList<>();
    while (j < tokens.size() && tokens.get(j).isIdentifier()) {
      if (tokens.get(j).isIdentifier("typename") || tokens.get(j).isIdentifier("template")) {
        j++;
        continue;
      }
      parts.add(tokens.get(j).text());
      j++;
      if (!at(j, "::")) {
        break;
      }
      j++;
    }
    return new QualifiedName(parts, rooted, j);
  }

  /**
   * Names the source declares as types (struct, class, union, enum, typedef, using), so that a lone
   * unknown word in a parameter list can be told from a type.
   */
  private void collectTypeNames() {
    for (int i = 0; i + 1 < tokens.size(); i++) {
      CudaToken t = tokens.get(i);
      CudaToken next = tokens.get(i + 1);
      if ((t.isIdentifier("struct")
              || t.isIdentifier("class")
              || t.isIdentifier("union")
              || t.isIdentifier("enum")
              || t.isIdentifier("typename"))
          && next.isIdentifier()) {
        declaredTypes.add(next.text());
      } else if (t.isIdentifier("using") && next.isIdentifier() && at(i + 2, "=")) {
        declaredTypes.add(next.text());
      } else if (t.isIdentifier("typedef")) {
        int end = i + 1;
        while (end < tokens.size() && !tokens.get(end).isPunct(";")) {
          end++;
        }
        for (int k = end - 1; k > i; k--) {
          if (tokens.get(k).isIdentifier()) {
            declaredTypes.add(tokens.get(k).text());
            break;
          }
        }
      }
    }
  }

  /**
   * A declaration followed later by its definition is one kernel, not an overload: the two merge
   * (the first position is kept; a {@code __launch_bounds__}, {@code extern "C"} or body on either
   * counts).
   */
  private void addOrMerge(CudaKernel k) {
    for (int i = 0; i < kernels.size(); i++) {
      CudaKernel seen = kernels.get(i);
      if (Signatures.same(seen, k)) {
        kernels.set(i, seen.mergedWith(k));
        return;
      }
    }
    kernels.add(k);
  }

  private boolean at(int i, String text) {
    return i < tokens.size() && tokens.get(i).is(text);
  }
}
