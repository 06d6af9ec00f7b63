package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Parameter types written through typedef and using aliases are read as what they alias. */
class TypeAliasTest {
  private static List<String> params(CudaSource s, int kernel) {
    return s.kernels().get(kernel).params().stream().map(p -> p.type().toString()).toList();
  }

  @Test
  void aliasesResolvePerNamespaceAndThroughEachOther() {
    CudaSource s =
        CudaSource.parse(
            """
            typedef float real;
            using index_t = long long;
            typedef const float* cfloatp;
            typedef real real2;
            typedef struct { int a; } Pair;
            typedef void (*callback)(int);
            namespace f16 {
              typedef __half real;
              __global__ void scale(real* x, index_t n) {}
            }
            __global__ void k(real* x, const real* y, cfloatp z, real2 w, const cfloatp v) {}
            template <typename real> __global__ void t(real* x) {}
            __global__ void q(f16::real* h, Pair p) {}
            """);
    assertEquals(List.of("__half*", "long long"), params(s, 0));
    assertEquals(
        List.of("float*", "const float*", "const float*", "float", "const float*"), params(s, 1));
    assertEquals(List.of("real*"), params(s, 2)); // the template parameter shadows the alias
    assertEquals(List.of("__half*", "Pair"), params(s, 3));
  }

  /** One typedef of several declarators declares each of them over the same specifiers. */
  @Test
  void aTypedefOfSeveralDeclaratorsDeclaresEach() {
    CudaSource s =
        CudaSource.parse(
            """
            typedef float real, *real_ptr;
            typedef const unsigned int cu, *cu_ptr, **cu_pp;
            __global__ void k(real* x, real_ptr y, real z) {}
            __global__ void c(cu a, cu_ptr b) {}
            """);
    assertEquals(List.of("float*", "float*", "float"), params(s, 0));
    assertEquals(List.of("const unsigned int", "const unsigned int*"), params(s, 1));
  }

  /**
   * Aliases are found as C++ finds them: through using-declarations and using-directives, a
   * namespace alias, and a qualifier looked up from the kernel's namespace outward (so {@code
   * b::real} inside namespace a is a::b::real when that exists).
   */
  @Test
  void aliasesAreFoundThroughUsingAndNamespaceAliases() {
    CudaSource s =
        CudaSource.parse(
            """
            typedef float real;
            namespace cfg { typedef double real; }
            namespace n { using cfg::real; __global__ void k0(real* x, int count) {} }
            namespace b { typedef float real; }
            namespace a {
              namespace b { typedef double real; }
              __global__ void k1(b::real* x) {}
            }
            namespace d { using namespace cfg; __global__ void k2(real* x) {} }
            namespace fp = cfg;
            __global__ void k3(fp::real* x, real* y, ::b::real* z) {}
            """);
    assertEquals(List.of("double*", "int"), params(s, 0));
    assertEquals(List.of("double*"), params(s, 1));
    assertEquals(List.of("double*"), params(s, 2));
    assertEquals(List.of("double*", "float*", "float*"), params(s, 3));
  }
}
