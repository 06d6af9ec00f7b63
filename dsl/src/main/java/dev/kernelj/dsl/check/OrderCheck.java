package dev.kernelj.dsl.check;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.cuda.CudaParam;
import dev.kernelj.dsl.cuda.CudaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Tells a misordered parameter list from a mistyped one. Parameters are compared by kind and
 * element only (scalar int, pointer to F32); constness is left out so that a swapped read-only and
 * writable pointer of one element type is reported as a constness problem, not an order problem.
 */
final class OrderCheck {
  private OrderCheck() {}

  /**
   * When the two lists hold the same kinds in a different order, the first pair to swap: index i,
   * the first position that differs, and j, a later position holding what CUDA wants at i.
   */
  static Optional<int[]> firstSwap(List<JavaParam> java, List<CudaParam> cuda) {
    List<String> javaKeys = java.stream().map(OrderCheck::key).toList();
    List<String> cudaKeys = cuda.stream().map(p -> key(p.type())).toList();
    if (javaKeys.contains(null) || cudaKeys.contains(null) || javaKeys.equals(cudaKeys)) {
      return Optional.empty();
    }
    List<String> a = new ArrayList<>(javaKeys);
    List<String> b = new ArrayList<>(cudaKeys);
    a.sort(null);
    b.sort(null);
    if (!a.equals(b)) {
      return Optional.empty();
    }
    int i = 0;
    while (javaKeys.get(i).equals(cudaKeys.get(i))) {
      i++;
    }
    int best = -1;
    for (int j = i + 1; j < javaKeys.size(); j++) {
      if (javaKeys.get(j).equals(cudaKeys.get(i))) {
        if (javaKeys.get(i).equals(cudaKeys.get(j))) {
          return Optional.of(new int[] {i, j}); // an exact swap
        }
        if (best < 0) {
          best = j;
        }
      }
    }
    return Optional.of(new int[] {i, best});
  }

  /** "S I32", "P F32", or null for anything the order check should not reason about. */
  private static String key(JavaParam p) {
    if (p instanceof JavaParam.Scalar s) {
      return "S " + s.type();
    }
    if (p instanceof JavaParam.Pointer ptr) {
      return "P " + ptr.element();
    }
    return null;
  }

  private static String key(CudaType t) {
    Optional<DType> d = CTypes.dtypeOf(t.base());
    if (d.isEmpty() || t.pointerLevel() > 1) {
      return null;
    }
    return (t.isPointer() ? "P " : "S ") + d.get();
  }
}
