package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CudaDeclarationParserTest {

  private static CudaKernel only(String source) {
    List<CudaKernel> kernels = CudaSource.parse(source).kernels();
    assertEquals(1, kernels.size(), () -> "kernels: " + kernels);
    return kernels.get(0);
  }

  private static List<String> types(CudaKernel k) {
    return k.params().stream().map(p -> p.type().toString()).toList();
  }

  @Test
  void saxpyWithExternCHasNormalisedDeclaration() {
    CudaKernel k =
        only(
            """
        extern "C"   __global__
        void saxpy(int n,   float a, const float *x,
                   float*y) {
          int i = blockIdx.x * blockDim.x + threadIdx.x;
          if (i < n) { y[i] = a * x[i] + y[i]; }
        }
        """);
    assertEquals("saxpy", k.name());
    assertTrue(k.externC());
    assertEquals(1, k.line());
    assertEquals(
        "extern \"C\" __global__ void saxpy(int n, float a, const float* x, float* y)",
        k.declaration());
    assertEquals(List.of("int", "float", "const float*", "float*"), types(k));
    assertEquals(List.of("n", "a", "x", "y"), k.params().stream().map(CudaParam::name).toList());
  }

  /**
   * A declaration and its definition are one kernel however their parameter types are spelled: a
   * by-value parameter's own const, {@code unsigned} for {@code unsigned int}, {@code size_t} for
   * {@code unsigned long}. Types that differ in C++ stay overloads.
   */
  @Test
  void aDeclarationAndItsDefinitionAreOneKernelWhateverTheSpelling() {
    String[][] same = {
      {"float* x, int n", "float* x, const int n"},
      {"unsigned u, long int l", "unsigned int u, long l"},
      {"size_t count, std::uint32_t v", "unsigned long count, unsigned int v"},
      {"const float* __restrict__ x", "float const* x"},
    };
    for (String[] pair : same) {
      List<CudaKernel> kernels =
          CudaSource.parse(
                  "extern \"C\" __global__ void k("
                      + pair[0]
                      + ");\nextern \"C\" __global__ void k("
                      + pair[1]
                      + ") {}\n")
              .kernels();
      assertEquals(1, kernels.size(), () -> pair[0] + " / " + pair[1] + ": " + kernels);
    }
    String[][] overloads = {
      {"long n", "long long n"},
      {"float* x", "const float* x"},
      {"char c", "signed char c"},
      {"int n", "unsigned n"},
    };
    for (String[] pair : overloads) {
      List<CudaKernel> kernels =
          CudaSource.parse(
                  "__global__ void k(" + pair[0] + ") {}\n__global__ void k(" + pair[1] + ") {}\n")
              .kernels();
      assertEquals(2, kernels.size(), () -> pair[0] + " / " + pair[1] + ": " + kernels);
    }
    assertEquals("unsigned long long", Signatures.canonical("long unsigned long int"));
    assertEquals("short", Signatures.canonical("signed short int"));
    assertEquals("my_t", Signatures.canonical("my_t"));
  }

  /** A static kernel has internal linkage, so extern "C" does not give it a plain symbol. */
  @Test
  void staticKernelsInExternCKeepTheirCxxSymbol() {
    List<CudaKernel> kernels =
        CudaSource.parse(
                """
                extern "C" {
                  static __global__ void a(float* x) {}
                  __global__ static void b(float* x) {}
                  __global__ void c(float* x) {}
                }
                """)
            .kernels();
    assertEquals(List.of(false, false, true), kernels.stream().map(CudaKernel::externC).toList());
  }

  @Test
  void constInEitherPositionAndTopLevelConst() {
    CudaKernel k =
        only(
            "__global__ void f(float const* a, const float* const b, float* const c, const int n);");
    assertEquals(
        List.of(true, true, false, true),
        k.params().stream().map(p -> p.type().pointeeConst()).toList());
    assertEquals(
        List.of(1, 1, 1, 0), k.params().stream().map(p -> p.type().pointerLevel()).toList());
    assertFalse(k.externC());
  }

  @Test
  void restrictSpellingsVolatileAndPointerLevels() {
    CudaKernel k =
        only(
            "__global__ void f(const float* __restrict__ a, float* __restrict b, volatile int* restrict c,"
                + " float** d, const float * const * e, double x[], int y[16]) {}");
    assertEquals(
        List.of(true, true, true, false, false, false, false),
        k.params().stream().map(p -> p.type().restrict()).toList());
    assertEquals(
        List.of(1, 1, 1, 2, 2, 1, 1),
        k.params().stream().map(p -> p.type().pointerLevel()).toList());
    assertEquals("int", k.params().get(2).type().base());
    assertEquals(
        List.of("a", "b", "c", "d", "e", "x", "y"),
        k.params().stream().map(CudaParam::name).toList());
  }

  @Test
  void multiWordTypesAndUnnamedParameters() {
    CudaKernel k =
        only(
            "__global__ void f(unsigned int, long   long n, unsigned long long, signed char c,"
                + " unsigned, float*, size_t);");
    assertEquals(
        List.of(
            "unsigned int",
            "long long",
            "unsigned long long",
            "signed char",
            "unsigned",
            "float*",
            "size_t"),
        types(k));
    assertEquals(
        List.of("", "n", "", "c", "", "", ""), k.params().stream().map(CudaParam::name).toList());
  }

  @Test
  void commentsStringsAndPreprocessorAreSkipped() {
    List<CudaKernel> ks =
        CudaSource.parse(
                """
        #include <cuda_fp16.h>
        #define KERNEL_LOOP(i, n) \\
          for (int i = blockIdx.x; i < (n); i += gridDim.x) /* { */
        // __global__ void commented(int a);
        /* __global__ void alsoCommented(int a); */
        __device__ const char* label() { return "} __global__ void inString(int x) {"; }
        __device__ char brace() { return '}'; }
        #if 0
        #endif
        __global__ void real(int n) { KERNEL_LOOP(i, n) { printf("%d }\\n", i); } }
        """)
            .kernels();
    assertEquals(List.of("real"), ks.stream().map(CudaKernel::name).toList());
    assertEquals(10, ks.get(0).line());
  }

  @Test
  void externCBlockNamespacesAndStatic() {
    List<CudaKernel> ks =
        CudaSource.parse(
                """
        namespace kj { namespace detail {
        static __global__ void hidden(int n) {}
        } }
        extern "C" {
          __global__ void a(int n) { }
          __global__ void b(float x);
        }
        __global__ void c() {}
        """)
            .kernels();
    assertEquals(List.of("hidden", "a", "b", "c"), ks.stream().map(CudaKernel::name).toList());
    assertEquals(List.of(false, true, true, false), ks.stream().map(CudaKernel::externC).toList());
    assertEquals("static __global__ void hidden(int n)", ks.get(0).declaration());
  }

  @Test
  void launchBoundsLiteralOrZeroAfterMacroReplacement() {
    List<CudaKernel> ks =
        CudaSource.parse(
                """
        #define THREADS 128
        __global__ void __launch_bounds__(256) a(int n) {}
        __global__ void __launch_bounds__(1024, 2) b(int n) {}
        __global__ void __launch_bounds__(THREADS) c(int n) {}
        __global__ void d(int n) {}
        __global__ void __launch_bounds__(THREADS * 2) e(int n) {}
        """)
            .kernels();
    assertEquals(
        List.of(256, 1024, 128, 0, 256),
        ks.stream().map(CudaKernel::launchBoundsMaxThreads).toList());
    assertEquals("__global__ void __launch_bounds__(256) a(int n)", ks.get(0).declaration());
  }

  @Test
  void templatesWithDefaultsAndNestedBrackets() {
    CudaKernel k =
        only(
            """
        template <typename T, int BLOCK = 256, typename Op = Sum<Pair<T, int>>, bool Flag = (3 > 2)>
        __global__ void reduce(const T* __restrict__ in, T* out, int n) {}
        """);
    assertEquals("reduce", k.name());
    assertEquals(
        List.of(
            new TemplateParam("typename", "T"),
            new TemplateParam("int", "BLOCK", "256"),
            new TemplateParam("typename", "Op", "Sum<Pair<T, int>>"),
            new TemplateParam("bool", "Flag", "(3> 2)")),
        k.templateParams());
    assertEquals(List.of("const T*", "T*", "int"), types(k));
    assertEquals(1, k.line());
  }

  @Test
  void attributesAndMacrosBeforeTheName() {
    List<CudaKernel> ks =
        CudaSource.parse(
                """
        #define BOUNDS(n) __launch_bounds__(n)
        __global__ void __attribute__((noinline)) a(int n) {}
        [[deprecated("old")]] __global__ void b(int n) {}
        __global__ void BOUNDS(128) c(int n) {}
        __global__ __noinline__ void d(int n) {}
        """)
            .kernels();
    assertEquals(List.of("a", "b", "c", "d"), ks.stream().map(CudaKernel::name).toList());
    assertEquals("[[deprecated(\"old\")]] __global__ void b(int n)", ks.get(1).declaration());
  }

  @Test
  void deviceAndHostFunctionsAreIgnored() {
    List<CudaKernel> ks =
        CudaSource.parse(
                """
        __device__ float sq(float x) { return x * x; }
        __host__ __device__ inline int up(int a, int b) { return (a + b - 1) / b; }
        struct Params { int n; __device__ int get() const { return n; } };
        __global__ void k(Params p) {}
        """)
            .kernels();
    assertEquals(1, ks.size());
    assertEquals("Params", ks.get(0).params().get(0).type().base());
  }

  @Test
  void declarationThenDefinitionIsOneKernel() {
    List<CudaKernel> ks =
        CudaSource.parse(
                """
        __global__ void k(const float* x, int n);
        __global__ void __launch_bounds__(64) k(const float* in, int count) { }
        __global__ void k(const double* x, int n) { }
        """)
            .kernels();
    assertEquals(2, ks.size());
    assertEquals(64, ks.get(0).launchBoundsMaxThreads());
    assertEquals(1, ks.get(0).line());
  }

  @Test
  void explicitInstantiationsAndSpecialisationsAreNotNewKernels() {
    List<CudaKernel> ks =
        CudaSource.parse(
                """
        template <typename T> __global__ void scale(T* x, T a, int n) {}
        template __global__ void scale<float>(float*, float, int);
        template <> __global__ void scale<double>(double* x, double a, int n) {}
        """)
            .kernels();
    assertEquals(1, ks.size());
    assertTrue(ks.get(0).isTemplate());
  }

  @Test
  void voidParameterListAndQualifiedDefinition() {
    List<CudaKernel> ks =
        CudaSource.parse(
                """
        namespace ns { __global__ void tick(void); }
        __global__ void ns::tick(void) {}
        """)
            .kernels();
    assertEquals(1, ks.size());
    assertEquals(List.of(), ks.get(0).params());
  }

  @Test
  void functionPointersAndStructsKeepTheirSpelling() {
    CudaKernel k = only("__global__ void f(void (*cb)(int), struct Item item, const Params& p) {}");
    assertEquals("void(*cb)(int)", k.params().get(0).type().base());
    assertEquals("Item", k.params().get(1).type().base());
    assertEquals("item", k.params().get(1).name());
  }

  @Test
  void unreadableGlobalNamesItsLine() {
    CudaParseException e =
        assertThrows(
            CudaParseException.class,
            () ->
                CudaSource.parse(
                    """
        // fine
        __global__ void broken(int n;
        """));
    assertEquals(2, e.line());
    assertTrue(e.getMessage().startsWith("line 2: "), e.getMessage());
    CudaParseException noName =
        assertThrows(CudaParseException.class, () -> CudaSource.parse("__global__ void;"));
    assertTrue(noName.getMessage().contains("without a function name"), noName.getMessage());
    CudaParseException keyword =
        assertThrows(
            CudaParseException.class, () -> CudaSource.parse("\n__global__ void (int n) {}"));
    assertEquals(2, keyword.line());
    assertTrue(
        keyword.getMessage().contains("has no name: 'void' is a C++ keyword"),
        keyword.getMessage());
    CudaParseException unclosed =
        assertThrows(
            CudaParseException.class,
            () -> CudaSource.parse("x\n/* never closed\n__global__ void f() {}"));
    assertEquals(2, unclosed.line());
    assertTrue(unclosed.getMessage().contains("unterminated /* comment"), unclosed.getMessage());
  }

  @Test
  void emptySourceHasNoKernels() {
    assertEquals(List.of(), CudaSource.parse("").kernels());
    assertEquals(List.of(), CudaSource.parse("#include <cuda.h>\n").kernels());
  }
}
