package dev.kernelj.dsl.cuda;

import java.util.List;

/**
 * When two {@code __global__} declarations declare the same function: same namespace and name, the
 * same kinds of template parameters, and the same parameter types once template parameters are
 * named by position ({@code template <typename T> f(T*)} and {@code template <typename U> f(U*)}
 * are one template).
 */
public final class Signatures {
  private Signatures() {}

  /** Whether {@code a} and {@code b} declare the same function. */
  public static boolean same(CudaKernel a, CudaKernel b) {
    return a.name().equals(b.name())
        && a.namespace().equals(b.namespace())
        && key(a).equals(key(b));
  }

  /**
   * The signature without the name: template parameter kinds and parameter types, template
   * parameters replaced by their position ({@code <typename> (#0*, #0, int)}).
   */
  public static String key(CudaKernel k) {
    List<TemplateParam> tps = k.templateParams();
    StringBuilder s = new StringBuilder("<");
    for (int i = 0; i < tps.size(); i++) {
      s.append(i == 0 ? "" : ", ").append(tps.get(i).kind());
    }
    s.append(">(");
    for (int i = 0; i < k.params().size(); i++) {
      CudaType t = k.params().get(i).type();
      String base = t.base();
      for (int p = 0; p < tps.size(); p++) {
        if (!tps.get(p).name().isEmpty() && base.equals(tps.get(p).name())) {
          base = "#" + p;
        }
      }
      s.append(i == 0 ? "" : ", ").append(t.withBase(base));
    }
    return s.append(")").toString();
  }
}
