package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Kernels keep their namespaces, and name expressions find them as C++ lookup does. */
class NamespaceLookupTest {
  private static final CudaSource SOURCE =
      CudaSource.parse(
          """
          __global__ void top(int* x) {}
          namespace a {
            __global__ void f(int* x) {}
            namespace b { __global__ void g(int* x) {} }
            inline namespace v1 { __global__ void h(int* x) {} }
            namespace { __global__ void anon(int* x) {} }
            extern "C" __global__ void c_linkage(int* x) {}
          }
          namespace a::b::c { __global__ void deep(int* x); }
          __global__ void a::b::c::deep(int* x) {}
          namespace alias = a::b;
          namespace used { __global__ void u(int* x) {} }
          using namespace used;
          namespace decl { using a::f; }
          namespace { __global__ void top_anon(int* x) {} }
          namespace x { __global__ void top(int* x) {} }
          """);

  private static List<String> found(String expression) {
    return SOURCE.lookup(NameExpression.parse(expression)).stream()
        .map(CudaKernel::qualifiedName)
        .toList();
  }

  @Test
  void kernelsRecordTheirNamespaces() {
    assertEquals(
        List.of(
            "top",
            "a::f",
            "a::b::g",
            "a::v1::h",
            "a::(anonymous namespace)::anon",
            "a::c_linkage",
            "a::b::c::deep",
            "used::u",
            "(anonymous namespace)::top_anon",
            "x::top"),
        SOURCE.kernels().stream().map(CudaKernel::qualifiedName).toList());
    CudaKernel deep = SOURCE.kernels().get(6);
    assertEquals(true, deep.defined()); // the qualified definition completes the declaration
    assertEquals(true, SOURCE.kernels().get(5).externC());
  }

  @Test
  void qualifiedNamesLookInTheirNamespaceAndItsInlineAndAnonymousOnes() {
    assertEquals(List.of("a::f"), found("a::f"));
    assertEquals(List.of("a::b::g"), found("a::b::g"));
    assertEquals(List.of("a::v1::h"), found("a::h"));
    assertEquals(List.of("a::v1::h"), found("a::v1::h"));
    assertEquals(List.of("a::(anonymous namespace)::anon"), found("a::anon"));
    assertEquals(List.of("a::b::c::deep"), found("::a::b::c::deep"));
    assertEquals(List.of(), found("f"));
    assertEquals(List.of(), found("b::g"));
  }

  @Test
  void aliasesUsingDirectivesAndUsingDeclarations() {
    assertEquals(List.of("a::b::g"), found("alias::g"));
    assertEquals(List.of("used::u"), found("u"));
    assertEquals(List.of("a::f"), found("decl::f"));
    assertEquals(List.of("(anonymous namespace)::top_anon"), found("top_anon"));
  }

  @Test
  void globalLookupSeesOnlyWhatIsVisibleThere() {
    assertEquals(List.of("top"), found("top"));
    assertEquals(List.of("top"), found("::top"));
    assertEquals(List.of("x::top"), found("x::top"));
  }
}
