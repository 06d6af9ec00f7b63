package dev.kernelj.dsl.cuda;

import java.util.List;
import java.util.Map;

/**
 * When two {@code __global__} declarations declare the same function: same namespace and name, the
 * same kinds of template parameters, and the same parameter types once template parameters are
 * named by position ({@code template <typename T> f(T*)} and {@code template <typename U> f(U*)}
 * are one template). As in C++, a by-value parameter's own {@code const} is not part of the type
 * ({@code f(const int n)} declares {@code f(int)}), and a type has one name however it is spelled:
 * {@code unsigned} is {@code unsigned int}, and the standard typedefs name the types glibc gives
 * them on 64-bit Linux ({@code size_t} is {@code unsigned long}).
 */
public final class Signatures {
  private Signatures() {}

  /**
   * The standard typedefs, as glibc's headers declare them for x86-64 and aarch64 (LP64): what nvcc
   * sees on Linux.
   */
  private static final Map<String, String> TYPEDEFS =
      Map.ofEntries(
          Map.entry("size_t", "unsigned long"),
          Map.entry("ptrdiff_t", "long"),
          Map.entry("intptr_t", "long"),
          Map.entry("uintptr_t", "unsigned long"),
          Map.entry("int8_t", "signed char"),
          Map.entry("uint8_t", "unsigned char"),
          Map.entry("int16_t", "short"),
          Map.entry("uint16_t", "unsigned short"),
          Map.entry("int32_t", "int"),
          Map.entry("uint32_t", "unsigned int"),
          Map.entry("int64_t", "long"),
          Map.entry("uint64_t", "unsigned long"));

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
      String base = canonical(t.base());
      for (int p = 0; p < tps.size(); p++) {
        if (!tps.get(p).name().isEmpty() && base.equals(tps.get(p).name())) {
          base = "#" + p;
        }
      }
      boolean byValue = !t.isPointer() && !t.reference();
      CudaType keyed =
          new CudaType(base, t.pointeeConst() && !byValue, t.pointerLevel(), false, t.reference());
      s.append(i == 0 ? "" : ", ").append(keyed);
    }
    return s.append(")").toString();
  }

  /**
   * One spelling per type: arithmetic keywords as {@link ArithmeticTypes} spells them ({@code int
   * unsigned} and {@code unsigned} are {@code unsigned int}, {@code long int} is {@code long}), the
   * standard typedefs (also as {@code std::...}) by the types they name; anything else as written.
   */
  static String canonical(String base) {
    String name = base.startsWith("std::") ? base.substring(5) : base;
    String typedef = TYPEDEFS.get(name);
    if (typedef != null) {
      return typedef;
    }
    return ArithmeticTypes.canonical(base.split(" ")).orElse(base);
  }
}
