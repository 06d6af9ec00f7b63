package dev.kernelj.dsl.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Finds {@code __global__} declarations; see {@link CudaSource#parse}.
 *
 * <p>Walks the tokens at namespace scope, entering {@code extern "C" { }} and {@code namespace}
 * blocks and skipping every other brace block whole (function bodies, structs, initialisers): a
 * {@code __global__} function cannot be declared inside them. Each {@code __global__} found is read
 * by {@link GlobalDeclarationReader}.
 */
final class CudaDeclarationParser {
  private enum Scope {
    EXTERN_C,
    NAMESPACE
  }

  private CudaDeclarationParser() {}

  static CudaSource parse(String source) {
    List<CudaToken> tokens = CudaLexer.tokenize(source);
    Deque<Scope> scopes = new ArrayDeque<>();
    List<CudaKernel> kernels = new ArrayList<>();
    int i = 0;
    while (i < tokens.size()) {
      CudaToken t = tokens.get(i);
      if (t.isIdentifier("extern") && at(tokens, i + 1, "\"C\"") && at(tokens, i + 2, "{")) {
        scopes.push(Scope.EXTERN_C);
        i += 3;
      } else if (t.isIdentifier("namespace")) {
        int open = namespaceBodyStart(tokens, i + 1);
        if (open >= 0) {
          scopes.push(Scope.NAMESPACE);
          i = open + 1;
        } else {
          i++;
        }
      } else if (t.isPunct("{")) {
        i = TokenGroups.closing(tokens, i, "a block at namespace scope") + 1;
      } else if (t.isPunct("}")) {
        if (!scopes.isEmpty()) {
          scopes.pop();
        }
        i++;
      } else if (t.isIdentifier("__global__")) {
        boolean inExternC = scopes.contains(Scope.EXTERN_C);
        GlobalDeclarationReader.Result r = GlobalDeclarationReader.read(tokens, i, inExternC);
        r.kernel().ifPresent(k -> addOrMerge(kernels, k));
        i = r.next();
      } else {
        i++;
      }
    }
    return new CudaSource(kernels);
  }

  /**
   * After {@code namespace}: the index of the '{' that opens its body, or -1 for an alias or a
   * stray word.
   */
  private static int namespaceBodyStart(List<CudaToken> tokens, int from) {
    for (int i = from; i < tokens.size(); i++) {
      CudaToken t = tokens.get(i);
      if (t.isPunct("{")) {
        return i;
      }
      if (t.isPunct("[")) {
        i = TokenGroups.closing(tokens, i, "namespace attributes");
      } else if (!(t.isIdentifier() || t.isPunct("::"))) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * A declaration followed later by its definition is one kernel, not an overload: the two merge
   * (the first position is kept; a {@code __launch_bounds__} or {@code extern "C"} on either
   * counts).
   */
  private static void addOrMerge(List<CudaKernel> kernels, CudaKernel k) {
    for (int i = 0; i < kernels.size(); i++) {
      CudaKernel seen = kernels.get(i);
      if (sameSignature(seen, k)) {
        int bounds =
            seen.launchBoundsMaxThreads() != 0
                ? seen.launchBoundsMaxThreads()
                : k.launchBoundsMaxThreads();
        kernels.set(
            i,
            new CudaKernel(
                seen.name(),
                seen.templateParams(),
                seen.params(),
                bounds,
                seen.externC() || k.externC(),
                seen.line(),
                seen.declaration()));
        return;
      }
    }
    kernels.add(k);
  }

  private static boolean sameSignature(CudaKernel a, CudaKernel b) {
    if (!a.name().equals(b.name())
        || a.params().size() != b.params().size()
        || a.templateParams().size() != b.templateParams().size()) {
      return false;
    }
    for (int i = 0; i < a.templateParams().size(); i++) {
      if (!a.templateParams().get(i).kind().equals(b.templateParams().get(i).kind())) {
        return false;
      }
    }
    for (int i = 0; i < a.params().size(); i++) {
      if (!a.params().get(i).type().toString().equals(b.params().get(i).type().toString())) {
        return false;
      }
    }
    return true;
  }

  private static boolean at(List<CudaToken> tokens, int i, String text) {
    return i < tokens.size() && tokens.get(i).is(text);
  }
}
